"""`make bench` runs every benchmark: `python -m bench`."""

from bench import compliance_board, replan_bench, schedule_bench

schedule_bench.main()
replan_bench.main()
compliance_board.main()
