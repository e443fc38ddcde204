"""Reading configuration files (products, scenarios) into the core's values."""
