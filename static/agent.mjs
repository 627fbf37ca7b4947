// The agent desktop (being built).
