# Independent reference for glute_study.io.strength.strength_summary (base R only).
# Run from the repository root:  Rscript tests/reference/strength/strength_summary.R
# Input: tests/io/data/strength_vald.csv (VALD-style; one row = one left and one right trial).
# Rules: torque = force x lever arm (0.45 m); per side the best (max) or the mean trial;
# Nm/kg = mean of the two sides / body mass; asymmetry % = (stronger - weaker) / stronger x 100.
d <- read.csv("tests/io/data/strength_vald.csv", stringsAsFactors = FALSE)
mass <- c(P001 = 80, P002 = 72.5)
arm <- 0.45
long <- rbind(
  data.frame(id = d$Name, date = d$Date.UTC, side = "left", force = d$L.Max.Force..N.),
  data.frame(id = d$Name, date = d$Date.UTC, side = "right", force = d$R.Max.Force..N.)
)
long$torque <- long$force * arm
out <- NULL
for (rule in c("best", "mean")) {
  f <- if (rule == "best") max else mean
  agg <- aggregate(torque ~ id + date + side, data = long, FUN = f)
  wide <- reshape(agg, idvar = c("id", "date"), timevar = "side", direction = "wide")
  wide <- wide[order(wide$id, wide$date), ]
  both <- (wide$torque.left + wide$torque.right) / 2
  stronger <- pmax(wide$torque.left, wide$torque.right)
  weaker <- pmin(wide$torque.left, wide$torque.right)
  out <- rbind(out, data.frame(
    rule = rule, participant_id = wide$id, date = wide$date,
    left = wide$torque.left, right = wide$torque.right,
    nm_kg = both / mass[wide$id],
    asymmetry_pct = 100 * (stronger - weaker) / stronger
  ))
}
write.csv(out, "tests/reference/strength/strength_summary.csv", row.names = FALSE)
print(format(out, digits = 10))
