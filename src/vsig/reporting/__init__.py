"""What goes out beyond a night: CBS, reports, the DDAS-VS API, signing."""
