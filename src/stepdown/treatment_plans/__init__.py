"""Treatment plans: problems, goals in the client's words, objectives, interventions, reviews."""
