"""Video providers: ``xai`` (xAI's video API) and ``preview`` (local animatics)."""
