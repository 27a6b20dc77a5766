"""The public self-check: an anonymous questionnaire that suggests which level to ask about.

It stores nothing unless the person asks for a free consultation, which becomes an
admissions inquiry from the web form.
"""
