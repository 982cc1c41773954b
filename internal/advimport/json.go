package advimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// decodeJSON decodes exactly one JSON value as a generic value (for schema
// validation), and into v when v is not nil.
func decodeJSON(data []byte, v any) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, errors.New("not JSON: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the end of the JSON document")
	}
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			return nil, err
		}
	}
	return raw, nil
}
