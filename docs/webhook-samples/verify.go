// Verify an Eye webhook delivery in Go (1.18+, standard library only).
//
// Both signature families are checked over the raw body bytes (read r.Body fully and verify before
// json.Unmarshal), with a 5-minute tolerance on the timestamp in both directions. Pass
// r.Header.Get as `header` (canonical or lower-case names both work with http.Header).
//
//	ok := VerifyClassic(secret, r.Header.Get, body) || VerifyStandard(secret, r.Header.Get, body)
//
// Command line (used by the relay's tests): go run verify.go <secret> <case dir with headers, body>
// prints "classic=ok|fail standard=ok|fail".
package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const toleranceS = 5 * 60

var digits = regexp.MustCompile(`^[0-9]{1,12}$`)

func fresh(timestamp string) bool {
	if !digits.MatchString(timestamp) {
		return false
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	delta := time.Now().Unix() - ts
	return delta <= toleranceS && delta >= -toleranceS
}

func mac(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// VerifyClassic checks X-Eye-Signature: sha256=<hex HMAC-SHA256(secret as UTF-8, "<ts>.<body>")>, one value.
func VerifyClassic(secret string, header func(string) string, body []byte) bool {
	timestamp := header("x-eye-timestamp")
	if !fresh(timestamp) {
		return false
	}
	expected := "sha256=" + hex.EncodeToString(mac([]byte(secret), []byte(timestamp+"."), body))
	return hmac.Equal([]byte(expected), []byte(header("x-eye-signature")))
}

// VerifyStandard checks webhook-signature: `v1,<base64>` values, space-separated (two during a rotation).
func VerifyStandard(secret string, header func(string) string, body []byte) bool {
	msgID, timestamp := header("webhook-id"), header("webhook-timestamp")
	if msgID == "" || !fresh(timestamp) {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	expected := base64.StdEncoding.EncodeToString(mac(key, []byte(msgID+"."+timestamp+"."), body))
	for _, candidate := range strings.Split(header("webhook-signature"), " ") {
		if strings.HasPrefix(candidate, "v1,") && hmac.Equal([]byte(expected), []byte(candidate[3:])) {
			return true
		}
	}
	return false
}

func main() {
	raw, err := os.ReadFile(filepath.Join(os.Args[2], "headers"))
	if err != nil {
		panic(err)
	}
	headers := map[string]string{}
	scanner := bufio.NewScanner(bytes.NewReader(raw))
	for scanner.Scan() {
		if name, value, ok := strings.Cut(scanner.Text(), ": "); ok {
			headers[strings.ToLower(name)] = value
		}
	}
	body, err := os.ReadFile(filepath.Join(os.Args[2], "body"))
	if err != nil {
		panic(err)
	}
	get := func(name string) string { return headers[strings.ToLower(name)] }
	result := map[bool]string{true: "ok", false: "fail"}
	fmt.Printf("classic=%s standard=%s\n", result[VerifyClassic(os.Args[1], get, body)], result[VerifyStandard(os.Args[1], get, body)])
}
