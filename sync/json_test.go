package sync_test

import "encoding/json"

func jsonOf(v any) ([]byte, error)     { return json.Marshal(v) }
func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
