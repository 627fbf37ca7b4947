// The customer web chat (being built).
