"""`make bench` runs every benchmark: `python -m bench`."""

from bench import replan_bench, schedule_bench

schedule_bench.main()
replan_bench.main()
