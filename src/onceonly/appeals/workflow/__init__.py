"""An appeal's way through: where it goes (`routing`), ratings and reopening (`ratings`),
and the deadline sweep (`deadlines`)."""
