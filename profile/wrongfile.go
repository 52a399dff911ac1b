package profile

import (
	"bytes"
	"encoding/json"
)

// notARecording names the files a user may pass where a recording is read (generate): a
// seccomp profile, or a kernel or audit log, which import reads. "" for anything else, which
// gets the decoder's own error.
func notARecording(data []byte) string {
	var head map[string]json.RawMessage
	if json.Unmarshal(data, &head) == nil {
		if _, ok := head["defaultAction"]; ok {
			return "this is a seccomp profile, not a recording (merge, diff, check and install read profiles; generate needs the recordings they came from)"
		}
		return ""
	}
	text := data[:min(len(data), 4096)]
	if bytes.Contains(text, []byte("type=SECCOMP")) || bytes.Contains(text, []byte("type=1326")) ||
		bytes.Contains(text, []byte("type=AVC")) || bytes.Contains(text, []byte("type=1400")) {
		return "this is a kernel or audit log, not a recording (profgen import reads it)"
	}
	return ""
}
