#!/usr/bin/env bash
# grove serve checked with curl: every endpoint, streaming and not, the API key, and OpenAI-style errors.
source "$(dirname "$0")/serve-common.sh"
failures=0 passes=0
check() { if eval "$2"; then echo "ok   $1"; passes=$((passes + 1)); else echo "FAIL $1"; failures=$((failures + 1)); fi; }
api() { curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@"; }

check "health" '[ "$(api "$BASE/health" | jq -r .status)" = ok ]'
check "models" '[ "$(api "$BASE/v1/models" | jq -r ".data[0].id")" = grovemoe-demo ]'
body=$(api "$BASE/v1/chat/completions" -d '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":6,"temperature":0}')
check "chat" '[ "$(jq -r ".object, .choices[0].finish_reason, .usage.completion_tokens" <<<"$body" | paste -sd" ")" = "chat.completion length 6" ]'
stream=$(api -N "$BASE/v1/chat/completions" -d '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":6,"temperature":0,"stream":true,"stream_options":{"include_usage":true}}')
check "chat stream ends with [DONE]" '[ "$(grep "^data: " <<<"$stream" | tail -1)" = "data: [DONE]" ]'
check "chat stream chunks are JSON" 'grep "^data: {" <<<"$stream" | sed "s/^data: //" | jq -e ".object == \"chat.completion.chunk\"" >/dev/null'
streamed=$(grep "^data: {" <<<"$stream" | sed "s/^data: //" | jq -j ".choices[0].delta.content // empty")
check "chat stream text = non-stream text" '[ "$streamed" = "$(jq -j ".choices[0].message.content" <<<"$body")" ]'
check "completions" '[ "$(api "$BASE/v1/completions" -d "{\"prompt\":\"Once upon\",\"max_tokens\":4}" | jq -r .usage.completion_tokens)" = 4 ]'
check "completions stream" '[ "$(api -N "$BASE/v1/completions" -d "{\"prompt\":\"Once\",\"max_tokens\":3,\"stream\":true}" | grep "^data: " | tail -1)" = "data: [DONE]" ]'
check "no key: 401" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$BASE/v1/models")" = 401 ]'
check "wrong key: 401 error object" '[ "$(curl -s -H "Authorization: Bearer nope" "$BASE/v1/models" | jq -r .error.type)" = authentication_error ]'
check "bad JSON: 400" '[ "$(api -o /dev/null -w "%{http_code}" "$BASE/v1/chat/completions" -d "{\"messages\":")" = 400 ]'
check "unknown field: 400 error object" '[ "$(api "$BASE/v1/chat/completions" -d "{\"messages\":[],\"wat\":1}" | jq -r .error.message)" = "unrecognized request argument supplied: wat" ]'
check "unknown path: 404" '[ "$(api -o /dev/null -w "%{http_code}" "$BASE/v2/x")" = 404 ]'
echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
