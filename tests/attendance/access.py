"""Access rows for the attendance app's URLs (the rules page shows no family's record)."""

NO_RECORD = {
    # The district's tier rules: its admins read and change them.
    "attendance:rules": {
        "admin": 200,
        "leader": 404,
        "liaison": 404,
        "teacher": 404,
        "interpreter": 404,
        "outsider": 404,
    },
}
ROWS: dict[str, object] = {}
