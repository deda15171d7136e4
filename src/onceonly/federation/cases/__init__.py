"""跨省通办 cases routed between provinces: the applying side (`routed`) and the home
province's side (`home`)."""
