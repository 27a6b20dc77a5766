"""The client chart: one page per client, gathering what each domain knows, in tabs."""
