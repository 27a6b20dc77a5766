"""`make bench` runs every benchmark: `python -m bench`."""

from bench import schedule_bench

schedule_bench.main()
