"""Date formats per language, overriding Django's where a console wants both date and time."""
