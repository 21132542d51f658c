#!/usr/bin/env bash
# Drives `grove chat` in a real terminal (tmux): a first answer stopped with Ctrl-C, a second turn that must reuse
# the cache, /stats, /exit. Fails (exit 1) when any expected screen text is missing.
# Usage: tests/scripts/chat-in-tmux.sh [extra grove chat options, e.g. --model M.gguf]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/GroveMoE.Cli -c Release -v quiet -nologo >/dev/null
grove="dotnet src/GroveMoE.Cli/bin/Release/net10.0/grove.dll"
session="grove-chat-check-$$"
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
tmux send-keys -t "$session" "/exit" Enter
wait_for "CHAT-EXITED-0" 20
screen | grep -F "from cache"
tmux kill-session -t "$session"
echo "PASS: Ctrl-C stopped an answer, the second turn reused the cache, /stats and /exit worked"
