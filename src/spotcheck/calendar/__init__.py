"""Working-day calendar: weekends, statutory holidays and make-up workdays (调休)."""
