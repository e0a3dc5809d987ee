#!/usr/bin/env bash
# LocalStack ready hook: creates the OMS queues (each with its -dlq and a redrive policy), the
# SNS topics with our queues' subscriptions (raw delivery, filter policy) and the DynamoDB tables
# from localstack/resources.json, the same definitions the OMS itself uses.
# Idempotent: create-queue returns an existing queue, tables are created only when missing.
# The OMS also creates anything missing at start; this makes the resources visible before that.
set -euo pipefail
export OMS_RESOURCES_FILE="${OMS_RESOURCES_FILE:-/etc/localstack/init/resources.json}"
export OMS_QUEUE_PREFIX="${OMS_QUEUE_PREFIX:-}"
exec python3 - <<'PY'
import json, os, subprocess

def aws(*args):
    out = subprocess.run(["awslocal", *args, "--output", "json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}

res = json.load(open(os.environ["OMS_RESOURCES_FILE"]))
prefix = os.environ["OMS_QUEUE_PREFIX"]
dead = res["deadLetter"]
for q in res["queues"].values():
    name = prefix + q["name"]
    dlq_url = aws("sqs", "create-queue", "--queue-name", name + dead["suffix"])["QueueUrl"]
    arn = aws("sqs", "get-queue-attributes", "--queue-url", dlq_url, "--attribute-names", "QueueArn")["Attributes"]["QueueArn"]
    attrs = {
        "VisibilityTimeout": str(q["visibilityTimeoutS"]),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": str(dead["maxReceiveCount"])}),
    }
    url = aws("sqs", "create-queue", "--queue-name", name)["QueueUrl"]
    aws("sqs", "set-queue-attributes", "--queue-url", url, "--attributes", json.dumps(attrs))
topic_arns = {}
for key, t in res.get("topics", {}).items():
    topic_arns[key] = aws("sns", "create-topic", "--name", prefix + t["name"])["TopicArn"]
for sub in res.get("subscriptions", {}).values():
    queue = res["queues"][sub["queue"]]
    url = aws("sqs", "get-queue-url", "--queue-name", prefix + queue["name"])["QueueUrl"]
    arn = aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "QueueArn")["Attributes"]["QueueArn"]
    attrs = {"RawMessageDelivery": "true" if sub["rawMessageDelivery"] else "false"}
    if sub.get("filterPolicy"):
        attrs["FilterPolicy"] = json.dumps(sub["filterPolicy"])
    aws("sns", "subscribe", "--topic-arn", topic_arns[sub["topic"]], "--protocol", "sqs",
        "--notification-endpoint", arn, "--attributes", json.dumps(attrs))
existing = set(aws("dynamodb", "list-tables").get("TableNames", []))
for t in res["tables"].values():
    if t["name"] in existing:
        continue
    aws("dynamodb", "create-table", "--table-name", t["name"], "--billing-mode", "PAY_PER_REQUEST",
        "--attribute-definitions", f"AttributeName={t['hashKey']},AttributeType=S",
        "--key-schema", f"AttributeName={t['hashKey']},KeyType=HASH")
print("oms: queues, topics, subscriptions and tables ready")
PY
