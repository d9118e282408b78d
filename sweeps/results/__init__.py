"""What a sweep leaves behind: column names and schemas (light, for ``analysis``), the store and its storage."""
