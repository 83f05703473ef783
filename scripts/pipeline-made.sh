#!/usr/bin/env bash
# Is the open pull request from <branch> into main the pipeline's own? Prints one word:
#   true  — opened by <bot> (the release App, "<app-slug>[bot]") and every commit on it made by <bot>
#           and signed by GitHub (commits an App creates through the API with no custom author or
#           committer are; a pushed commit that only claims the App's e-mail address is not)
#   false — anything else (someone else's branch of that name, or a commit pushed on top)
#   none  — no such pull request is open
# The Promote workflow publishes `gate --report` only on its own promotion pull requests; a GitHub
# failure fails the script (no answer guessed). Usage: pipeline-made.sh <owner/repo> <branch> <bot>
set -euo pipefail
repo=$1
branch=$2
bot=$3
owner=${repo%%/*}
pr=$(gh api "repos/$repo/pulls?head=$owner:$branch&base=main&state=open" --jq '.[0].number // empty')
if [ -z "$pr" ]; then
  echo none
  exit 0
fi
author=$(gh api "repos/$repo/pulls/$pr" --jq '.user.login')
foreign=$(gh api --paginate "repos/$repo/pulls/$pr/commits" \
  --jq ".[] | select(.committer.login != \"$bot\" or .commit.verification.verified != true) | .sha")
if [ "$author" = "$bot" ] && [ -z "$foreign" ]; then echo true; else echo false; fi
