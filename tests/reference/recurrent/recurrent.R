# Reference values for glute_study.stats.recurrent_events (R survival).
# Run from this folder: Rscript recurrent.R > recurrent.Rout
# Writes bladder2.csv (survival's bladder2, counting-process form), sim_late.csv (sim.csv with
# delayed entry and gaps), recurrent_coxph.csv (one row
# per data set, model, ties and term) and frailty_coxph.csv / frailty_history.csv.
library(survival)
cat("survival", format(packageVersion("survival")), "\n")
write.csv(bladder2[, c("id", "rx", "number", "size", "start", "stop", "event", "enum")],
          "bladder2.csv", row.names = FALSE)
sim <- read.csv("sim.csv")
# delayed entry and gaps: odd-numbered athletes enter on day 14, and every athlete's intervals
# over days 35-42 are left out (not at risk then)
odd <- as.integer(sub("A", "", sim$participant_id)) %% 2 == 1
sim_late <- sim[!(odd & sim$start < 14) & !(sim$start >= 35 & sim$stop <= 42), ]
write.csv(sim_late, "sim_late.csv", row.names = FALSE)

prepare <- function(d, id) {
  # event number: 1 + events before the interval, within athlete sorted by start
  d <- d[order(d[[id]], d$start), ]
  d$enum <- ave(d$event, d[[id]], FUN = function(e) 1 + cumsum(e) - e)
  # gap time: time since the previous event (or since 0 before the first)
  prev <- ave(d$stop * d$event, d[[id]], FUN = function(v) cummax(c(0, head(v, -1))))
  d$gstart <- d$start - prev
  d$gstop <- d$stop - prev
  d$cl <- d[[id]]
  d
}

cases <- list(
  bladder2 = list(data = prepare(bladder2, "id"), rhs = "rx + number + size"),
  sim = list(data = prepare(sim, "participant_id"), rhs = "sitting_h_day + arm"),
  sim_late = list(data = prepare(sim_late, "participant_id"), rhs = "sitting_h_day + arm")
)
out <- list()
for (name in names(cases)) {
  d <- cases[[name]]$data
  rhs <- cases[[name]]$rhs
  for (ties in c("efron", "breslow")) {
    fits <- list(
      andersen_gill = coxph(as.formula(paste("Surv(start, stop, event) ~", rhs, "+ cluster(cl)")),
                            data = d, ties = ties),
      pwp_total = coxph(as.formula(paste("Surv(start, stop, event) ~", rhs,
                                         "+ strata(enum) + cluster(cl)")), data = d, ties = ties),
      pwp_gap = coxph(as.formula(paste("Surv(gstart, gstop, event) ~", rhs,
                                       "+ strata(enum) + cluster(cl)")), data = d, ties = ties)
    )
    for (model in names(fits)) {
      f <- fits[[model]]
      print(summary(f))
      out[[length(out) + 1]] <- data.frame(
        dataset = name, model = model, ties = ties, term = names(coef(f)),
        coef = unname(coef(f)), se = sqrt(diag(f$naive.var)), robust_se = sqrt(diag(f$var)),
        loglik = f$loglik[2], loglik0 = f$loglik[1])
    }
  }
}
write.csv(do.call(rbind, out), "recurrent_coxph.csv", row.names = FALSE)

# shared gamma frailty (R's default method "em" for theta)
fr <- list()
hist <- list()
for (name in names(cases)) {
  d <- cases[[name]]$data
  rhs <- cases[[name]]$rhs
  for (ties in c("efron", "breslow")) {
    f <- coxph(as.formula(paste("Surv(start, stop, event) ~", rhs,
                                "+ frailty(cl, distribution = 'gamma')")), data = d, ties = ties)
    print(f)
    p <- length(all.vars(as.formula(paste("~", rhs))))
    h <- f$history[[1]]$history
    theta <- unname(h[nrow(h), 1])
    fr[[length(fr) + 1]] <- data.frame(
      dataset = name, ties = ties, term = names(coef(f)), coef = unname(coef(f)),
      se = unname(sqrt(diag(f$var))[1:p]), se2 = unname(sqrt(diag(f$var2))[1:p]), theta = theta,
      loglik = f$loglik[2], c_loglik = unname(h[nrow(h), 3]))
    hist[[length(hist) + 1]] <- data.frame(dataset = name, ties = ties, step = seq_len(nrow(h)),
                                           theta = h[, 1], loglik = h[, 2], c_loglik = h[, 3])
  }
}
write.csv(do.call(rbind, fr), "frailty_coxph.csv", row.names = FALSE)
write.csv(do.call(rbind, hist), "frailty_history.csv", row.names = FALSE)
