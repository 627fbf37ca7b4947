// Customer web chat and agent desktop scenarios (filled in as the channels API lands).
export async function chatScenarios() {}
