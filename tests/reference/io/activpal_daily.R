# Independent reference for glute_study.io.activpal.sitting_summary on the real sample
# ../shared/samples/activpal/Test_Events.csv (not copied into the repo).
# Written from the rules in the docstring, in plain base R, without looking at the Python code:
#   sitting = codes 0 and 5; in bed = 3.1; non-wear = 4; upright = 1, 2, 2.1; lying = 3, 3.2.
#   Time = days since 1899-12-30 rounded to the second; events split at midnight.
#   A bout = consecutive sitting events (next start within 1.5 s of the previous end);
#   prolonged = bout length >= 1800 s (>= 3600 s); bout counted on its start day;
#   break = bout followed directly by an upright event, counted on the day the bout ends.
# Run from the repository root:  Rscript tests/reference/io/activpal_daily.R
args <- commandArgs(trailingOnly = TRUE)
src <- if (length(args)) args[1] else "../shared/samples/activpal/Test_Events.csv"
ev <- read.csv(src, check.names = FALSE)
code_col <- grep("^ActivityCode", names(ev))
start <- round(ev$Time * 86400)                 # seconds since 1899-12-30
dur <- ev[["Interval (s)"]]
code <- round(ev[[code_col]], 3)
end <- start + dur
state <- ifelse(code %in% c(0, 5), "sit",
         ifelse(code %in% c(1, 2, 2.1), "up",
         ifelse(code == 3.1, "bed", ifelse(code == 4, "off", "lie"))))
n <- length(start)
# bouts: runs of sitting events
run <- integer(n); r <- 0
for (i in seq_len(n)) {
  joined <- i > 1 && abs(start[i] - end[i - 1]) <= 1.5
  if (i == 1 || state[i] != state[i - 1] || !joined) r <- r + 1
  run[i] <- r
}
run_len <- tapply(dur, run, sum)
day0 <- floor(min(start) / 86400); day1 <- floor(max(end - 1e-9) / 86400)
days <- day0:day1
res <- data.frame(day = days, sitting_s = 0, prolonged_s = 0, prolonged60_s = 0,
                  bouts = 0L, breaks = 0L, wear_s = 0)
for (i in seq_len(n)) {
  s <- start[i]; e <- end[i]
  while (s < e) {
    d <- floor(s / 86400); cut <- min(e, (d + 1) * 86400); piece <- cut - s
    k <- d - day0 + 1
    if (state[i] == "sit") {
      res$sitting_s[k] <- res$sitting_s[k] + piece
      L <- run_len[as.character(run[i])]
      if (L >= 1800) res$prolonged_s[k] <- res$prolonged_s[k] + piece
      if (L >= 3600) res$prolonged60_s[k] <- res$prolonged60_s[k] + piece
    }
    if (!(state[i] %in% c("bed", "off"))) res$wear_s[k] <- res$wear_s[k] + piece
    s <- cut
  }
}
for (rr in unique(run[state == "sit"])) {
  idx <- which(run == rr); first <- min(idx); last <- max(idx)
  k <- floor(start[first] / 86400) - day0 + 1
  res$bouts[k] <- res$bouts[k] + 1L
  if (last < n && state[last + 1] == "up" && abs(start[last + 1] - end[last]) <= 1.5) {
    kb <- floor(end[last] / 86400) - day0 + 1
    res$breaks[kb] <- res$breaks[kb] + 1L
  }
}
res$date <- format(as.Date(res$day, origin = "1899-12-30"))
out <- data.frame(date = res$date, sitting_h = res$sitting_s / 3600,
                  prolonged_sitting_h = res$prolonged_s / 3600,
                  prolonged_sitting_60_h = res$prolonged60_s / 3600,
                  sitting_bouts = res$bouts, breaks = res$breaks, wear_h = res$wear_s / 3600,
                  sedentary_event_s = sum(dur[code == 0]))
write.csv(out, "tests/reference/io/activpal_daily.csv", row.names = FALSE)
print(out, digits = 10)
