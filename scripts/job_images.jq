# Each image of a job, from its Temporal history: label, outcome and failure, one line each.
#   temporal workflow show -w creative-job-<accountId>-<jobId> -o json | jq -r -f scripts/job_images.jq
(.events | map(select(.activityTaskScheduledEventAttributes)
  | {key: .eventId, value: ((.userMetadata.summary.data // empty | @base64d | fromjson)
                            // .activityTaskScheduledEventAttributes.activityType.name)})
  | from_entries) as $name
| .events[]
| (.activityTaskCompletedEventAttributes // .activityTaskFailedEventAttributes
   // .activityTaskTimedOutEventAttributes // .activityTaskCanceledEventAttributes) as $done
| select($done)
| "\($name[$done.scheduledEventId]): \(.eventType | ltrimstr("EVENT_TYPE_ACTIVITY_TASK_") | ascii_downcase)\(if $done.failure then " — " + ($done.failure.cause.message // $done.failure.message) else "" end)"
