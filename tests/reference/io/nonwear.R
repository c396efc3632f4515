# Independent reference for glute_study.io.actigraph_nonwear.nonwear_minutes (Choi 2011, Troiano 2008).
# A minute-by-minute scan written from the published descriptions, in base R, not from the
# Python code (which works on run lengths):
#   Choi:    >= 90 min of zero counts; a 1-2 min interruption of any size is allowed when the
#            30 min before and the 30 min after it (within the period) are all zero.
#   Troiano: >= 60 min of zero counts; a 1-2 min interruption of counts 1..100 is allowed when
#            zero counts follow it.
# Run from the repository root:  Rscript tests/reference/io/nonwear.R
choi <- function(cnt, frame = 90, allow = 2, stream = 30) {
  n <- length(cnt); off <- rep(FALSE, n); i <- 1
  while (i <= n) {
    if (cnt[i] != 0) { i <- i + 1; next }
    last_zero <- i; k <- i + 1
    while (k <= n) {
      if (cnt[k] == 0) { last_zero <- k; k <- k + 1; next }
      s <- k; while (s <= n && cnt[s] > 0) s <- s + 1
      up <- 0; u <- k - 1; while (u >= i && cnt[u] == 0) { up <- up + 1; u <- u - 1 }
      down <- 0; d <- s; while (d <= n && cnt[d] == 0) { down <- down + 1; d <- d + 1 }
      if (s - k <= allow && up >= stream && down >= stream) { k <- s; next }
      break
    }
    if (last_zero - i + 1 >= frame) off[i:last_zero] <- TRUE
    i <- last_zero + 1
  }
  off
}
troiano <- function(cnt, frame = 60, allow = 2, stop = 100) {
  n <- length(cnt); off <- rep(FALSE, n); i <- 1
  while (i <= n) {
    if (cnt[i] != 0) { i <- i + 1; next }
    last_zero <- i; k <- i + 1
    while (k <= n) {
      if (cnt[k] == 0) { last_zero <- k; k <- k + 1; next }
      s <- k; while (s <= n && cnt[s] > 0 && cnt[s] <= stop) s <- s + 1
      if (s - k >= 1 && s - k <= allow && s <= n && cnt[s] == 0) { k <- s; next }
      break
    }
    if (last_zero - i + 1 >= frame) off[i:last_zero] <- TRUE
    i <- last_zero + 1
  }
  off
}
set.seed(20110201)
rows <- list()
for (case in 1:40) {
  cnt <- integer(0)
  while (length(cnt) < 720) {
    kind <- sample(c("zeros", "spike", "active"), 1, prob = c(0.45, 0.35, 0.2))
    if (kind == "zeros") cnt <- c(cnt, integer(sample(15:140, 1)))
    if (kind == "spike") cnt <- c(cnt, sample(c(1:100, 101:3000), sample(1:3, 1), replace = TRUE,
                                              prob = c(rep(3, 100), rep(0.1, 2900))))
    if (kind == "active") cnt <- c(cnt, sample(0:2500, sample(5:60, 1), replace = TRUE))
  }
  cnt <- cnt[1:720]
  rows[[case]] <- data.frame(case = case, minute = seq_along(cnt) - 1, count = cnt,
                             choi = choi(cnt), troiano = troiano(cnt))
}
out <- do.call(rbind, rows)
write.csv(out, "tests/reference/io/nonwear.csv", row.names = FALSE)
cat("cases:", length(rows), " minutes:", nrow(out), "\n")
cat("non-wear minutes: choi", sum(out$choi), " troiano", sum(out$troiano), "\n")
print(aggregate(cbind(choi, troiano) ~ case, data = out, FUN = sum)[1:10, ])
