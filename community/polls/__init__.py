"""Discussion polls on a session: questions, answers, live results and the presenter view."""
