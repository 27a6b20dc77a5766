"""`make bench` runs every benchmark: `python -m bench`."""

from bench import compliance_board, outcomes_bench, replan_bench, schedule_bench, web_load

schedule_bench.main()
replan_bench.main()
compliance_board.main()
web_load.main()
outcomes_bench.main()
