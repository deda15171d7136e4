"""Data correction (数据纠错): the citizen disputes a value fetched for an application;
the department that holds it corrects it or refuses with a reason, by a deadline; the
application then fetches that material again."""
