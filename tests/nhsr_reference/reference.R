# Regenerates the NHSRwaitinglist figures used in tests/test_queue_size.py.
# Not run by the test suite (no R on the test machines); run by hand with
#   Rscript tests/nhsr_reference/reference.R
# after install.packages("NHSRwaitinglist") (or remotes::install_github(
# "nhs-r-community/NHSRwaitinglist")), from the repository root.
library(NHSRwaitinglist)

read_wl <- function(name) {
  wl <- utils::read.csv(file.path("tests", "nhsr_reference", name),
                        colClasses = c("Date", "Date"), na.strings = "")
  wl
}

a <- read_wl("example_a.csv")
b <- read_wl("example_b.csv")
c_ <- read_wl("example_c.csv")
d <- read_wl("example_d.csv")

print(wl_queue_size(a, as.Date("2024-01-01"), as.Date("2024-01-16")))
print(t(wl_stats(a, target_wait = 4, start_date = "2024-01-01", end_date = "2024-01-16")))
print(t(wl_stats(b, target_wait = 4, start_date = "2024-01-01", end_date = "2024-01-10")))
print(t(wl_stats(c_, target_wait = 4)))
print(wl_queue_size(d, as.Date("2024-01-03"), as.Date("2024-01-06")))
