# R side of `tools/edgeinv bench forecast --with-r`: forecast::ets (automatic), thetaf and croston on
# the first N MONTHLY series of a long CSV, one thread; writes method,series,seconds,smape.
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
n <- as.integer(args[2])
ids <- unique(d$id[d$period == "MONTHLY"])[seq_len(n)]
smape <- function(y, f) mean(ifelse(abs(y) + abs(f) == 0, 0, 200 * abs(y - f) / (abs(y) + abs(f))))
run <- function(name, fc) {
  s <- numeric(0)
  t0 <- proc.time()[["elapsed"]]
  for (i in ids) {
    rows <- d[d$id == i, ]
    y <- ts(rows$y[rows$part == "train"], frequency = 12)
    test <- rows$y[rows$part == "test"]
    s <- c(s, smape(test, as.numeric(fc(y, length(test)))))
  }
  data.frame(method = name, series = length(ids), seconds = proc.time()[["elapsed"]] - t0, smape = mean(s))
}
out <- rbind(
  run("ets", function(y, h) forecast(ets(y), h = h)$mean),
  run("theta", function(y, h) thetaf(y, h = h)$mean),
  run("croston", function(y, h) croston(y, h = h)$mean))
write.csv(out, args[3], row.names = FALSE)
