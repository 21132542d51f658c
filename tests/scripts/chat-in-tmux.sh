#!/usr/bin/env bash
# Drives `grove chat` in a real terminal (tmux): a first answer stopped with Ctrl-C, a second turn that must reuse
# the cache, /stats, /exit. Fails (exit 1) when any expected screen text is missing.
# Usage: tests/scripts/chat-in-tmux.sh [extra grove chat options, e.g. --model M.gguf]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/GroveMoE.Cli -c Release -v quiet -nologo >/dev/null
grove="dotnet src/GroveMoE.Cli/bin/Release/net10.0/grove.dll"
session="grove-chat-check-$$"
export XDG_STATE_HOME="$(mktemp -d)" # the chat history file, fresh for this check
trap 'rm -rf "$XDG_STATE_HOME"' EXIT
screen() { tmux capture-pane -p -t "$session" -S -200; }
wait_for() { # text, seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do screen | grep -qF -- "$1" && return 0; sleep 0.2; done
  echo "FAIL: '$1' did not appear within $2 s; screen:"; screen; tmux kill-session -t "$session"; exit 1
}
tmux new-session -d -s "$session" -x 160 -y 50 "$grove chat -n 100000 --seed 1 $*; echo CHAT-EXITED-\$?; sleep 30"
wait_for "/help for commands" 300
tmux send-keys -t "$session" "Write a very long story" Enter
sleep 2
tmux send-keys -t "$session" C-c
wait_for "[stopped]" 20
tmux send-keys -t "$session" "And a second one" C-c
sleep 0.5
tmux send-keys -t "$session" C-u "Second turn please" Enter
sleep 2
tmux send-keys -t "$session" C-c
wait_for "from cache" 30
tmux send-keys -t "$session" "/stats" Enter
wait_for "context" 10
# The line editor: Up recalls the last message, a """ block, Alt+Enter and a paste of three lines are one message each.
fresh() { tmux send-keys -t "$session" C-l; sleep 0.3; tmux clear-history -t "$session"; }
stop_answer() { sleep 1; tmux send-keys -t "$session" C-c; wait_for "[stopped]" 20; fresh; }
fresh
tmux send-keys -t "$session" Up Up
wait_for "> Second turn please" 5
tmux send-keys -t "$session" C-u '"""first line' Enter 'second line' Enter 'last line"""' Enter
stop_answer
tmux send-keys -t "$session" 'top line'
sleep 0.3
tmux send-keys -t "$session" M-Enter
sleep 0.3
tmux send-keys -t "$session" 'bottom line'
wait_for ". bottom line" 5
tmux send-keys -t "$session" Enter
stop_answer
tmux set-buffer -b grove-paste "$(printf 'pasted one\npasted two\npasted three')"
tmux paste-buffer -b grove-paste -t "$session"
wait_for ". pasted three" 5
tmux send-keys -t "$session" Enter
stop_answer
tmux send-keys -t "$session" "/stats" Enter
wait_for "messages" 10
screen | grep -E "messages +. +10 " >/dev/null || { echo "FAIL: expected 10 messages (5 turns); screen:"; screen; tmux kill-session -t "$session"; exit 1; }
tmux send-keys -t "$session" "/exit" Enter
wait_for "CHAT-EXITED-0" 20
screen | grep -F "from cache"
tmux kill-session -t "$session"
# History is kept across runs: a new chat's Up shows the last message of the one before.
tmux new-session -d -s "$session" -x 160 -y 50 "$grove chat -n 4 $*; echo CHAT-EXITED-\$?; sleep 30"
wait_for "/help for commands" 120
tmux send-keys -t "$session" Up Up
wait_for "> /stats" 5
tmux send-keys -t "$session" C-u "/exit" Enter
wait_for "CHAT-EXITED-0" 20
tmux kill-session -t "$session"
echo "PASS: Ctrl-C stopped an answer, the second turn reused the cache, /stats and /exit worked; history, \"\"\" blocks, Alt+Enter and a multi-line paste each made one message; history kept across runs"
