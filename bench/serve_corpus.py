#!/usr/bin/env python3
# bench/serve_corpus.py: a fixed corpus of requests against a running `fraudgraph serve`, every
# answer (method, path, status, body) written to OUT, so two builds' answers can be compared
# byte for byte (cmp) before a change to serve's answer path is taken: 400 POST /v1/score
# (entities of ring members and random ones, unseen values, referral links to seeds and others,
# attributes, "explain": false), 100 GET /v1/users, 50 /v1/rings, 50 /v1/entities, 3 errors.
# The corpus depends only on the results database (a seeded choice over sorted rows).
#
#   python3 bench/serve_corpus.py RESULTS.db PORT OUT
import sqlite3, json, random, sys, http.client
db, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random.seed(7)
c = sqlite3.connect(db)
def pick(q, n):
    rows = sorted(c.execute(q).fetchall())
    return random.sample(rows, min(n, len(rows)))
ents = pick("SELECT kind, value FROM entities", 400)
ringents = pick("""SELECT DISTINCT e.kind, e.value FROM user_scores s JOIN links l ON l.run_id=s.run_id AND l.user_id=s.user_id
 JOIN entities e ON e.run_id=l.run_id AND e.entity_id=l.entity_id WHERE s.ring_id IS NOT NULL""", 400)
users = [r[0] for r in pick("SELECT user_id FROM user_scores WHERE ring_id IS NOT NULL OR user_id LIKE 'u00%'", 200)]
seeds = [r[0] for r in pick("SELECT user_id FROM user_scores WHERE label=1", 50)]
rings = [r[0] for r in pick("SELECT ring_key FROM rings", 50)]
reqs = []
for i in range(400):
    es = random.sample(ringents, random.randint(0, 3)) + random.sample(ents, random.randint(0, 3))
    body = {"user_id": "new%d" % i, "entities": [{"kind": k, "value": v} for k, v in es]}
    if random.random() < 0.3:
        body["entities"].append({"kind": random.choice(["card", "device", "ip", "email"]), "value": "unseen%d" % i})
    if random.random() < 0.3:
        body["links"] = [{"kind": "referral", "user_id": random.choice(seeds + users)}]
    if random.random() < 0.3:
        body["attributes"] = {"age_days": random.randint(0, 900), "country": random.choice(["US", "DE", "BR"])}
    if random.random() < 0.2:
        body["explain"] = False
    reqs.append(("POST", "/v1/score", json.dumps(body)))
for u in users[:100]: reqs.append(("GET", "/v1/users/" + u, None))
for r in rings: reqs.append(("GET", "/v1/rings/" + r, None))
for k, v in ents[:50]: reqs.append(("GET", "/v1/entities/%s/%s" % (k, v), None))
reqs += [("POST", "/v1/score", "{bad"), ("GET", "/nope", None), ("PUT", "/v1/score", "{}")]
conn = http.client.HTTPConnection("127.0.0.1", port)
with open(out, "w") as f:
    for m, p, b in reqs:
        conn.request(m, p, body=b, headers={"Content-Type": "application/json"} if b else {})
        r = conn.getresponse()
        f.write("%s %s %d\n%s\n" % (m, p, r.status, r.read().decode()))
print(len(reqs), "requests")
