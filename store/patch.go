package store

// Apply sets on h every field p sets, as UpdateHuman does before it
// validates; surfaces use it to build a new contact from the same partial
// input they accept for an update.
func (p HumanPatch) Apply(h *Human) { applyPatch(h, p) }
