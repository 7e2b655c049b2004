#!/bin/sh
# The whole life of one agreement through the JSON API, against a running `make run` with the demo data:
#   BASE=http://127.0.0.1:8000 sh scripts/api_walkthrough.sh
# employer2 invites 吴婷 (2027010), she accepts, 文法/信息学院 and the school approve, then she asks for 解约,
# the employer agrees and the school approves it.
set -eu
BASE=${BASE:-http://127.0.0.1:8000}/api/v1
PASS=demo-pass-2026
json() { python3 -c "import sys, json; d = json.load(sys.stdin); print($1)"; }
token() {
  curl -sf -X POST "$BASE/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$PASS\"}" | json 'd["token"]'
}
call() {  # call METHOD PATH TOKEN [BODY]
  curl -s -X "$1" "$BASE$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"}
}
show() { json "$1"; }

HR=$(token employer2); STU=$(token 2027010); COL=$(token college2); SCH=$(token school1)
echo "1. employer2 searches 2027 / 吴婷 / 18812340010:"
ID=$(call GET "/employer/students?graduation_year=2027&name=%E5%90%B4%E5%A9%B7&phone=18812340010" "$HR" \
  | json 'd[0]["id"]')
call GET "/employer/students?graduation_year=2027&name=%E5%90%B4%E5%A9%B7&phone=18812340010" "$HR" \
  | show '[(s["name"], s["id_number"], s["phone"], s["college"]) for s in d]'
echo "2. 加入 签约发送列表:"; call POST /employer/send-list "$HR" "{\"student_id\": $ID}" | show '[s["name"] for s in d]'
echo "3. 邀约 (terms from 签约信息 + position):"
AG=$(call POST /agreements "$HR" "{\"student_ids\": [$ID], \"terms\": {\"position_category\": \"13\", \"position\": \"算法工程师\", \"monthly_salary\": 12000}}" | json 'd[0]["id"]')
call GET "/agreements/$AG" "$HR" | show '(d["id"], d["status"], d["response_status_label"], d["terms"]["unit_name"], d["terms"]["work_location_label"])'
echo "4. student accepts:"; call POST "/agreements/$AG/accept" "$STU" | show '(d["status"], d["response_status_label"], d["review_status_label"])'
echo "5. college2 approves:"; call POST "/agreements/$AG/approve" "$COL" | show '(d["status"], d["review_status_label"])'
echo "6. school1 approves:"; call POST "/agreements/$AG/approve" "$SCH" > /tmp/wangqian-effective.json
show '(d["status"], d["review_status_label"], d["number"], d["verification_code"])' < /tmp/wangqian-effective.json
CODE=$(json 'd["verification_code"]' < /tmp/wangqian-effective.json)
echo "7. public verification:"; curl -s "$BASE/verify/$CODE" | show '(d["number"], d["employer"], d["student"], d["status_label"])'
echo "8. student requests 解约:"; call POST "/agreements/$AG/termination" "$STU" '{"reason": "考取研究生"}' | show '(d["status"], d["response_status_label"], d["review_status_label"])'
echo "9. employer agrees:"; call POST "/agreements/$AG/termination/accept" "$HR" '{"remark": "同意"}' | show '(d["status"], d["review_status_label"])'
echo "10. school approves 解约:"; call POST "/agreements/$AG/termination/approve" "$SCH" | show '(d["status"], d["response_status_label"], d["review_status_label"])'
echo "11. 流程追踪:"; call GET "/agreements/$AG" "$SCH" | show '"\n".join("   " + " | ".join((e["actor"], e["action_label"], e["remark"])) for e in d["events"])'
echo "12. public verification after 解约:"; curl -s "$BASE/verify/$CODE" | show '(d["number"], d["status_label"], d["effective"])'
