// The embeddable web chat snippet (being built).
