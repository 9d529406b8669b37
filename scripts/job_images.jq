# Each image of a job, from its Temporal history: label, outcome and failure, one line each.
#   temporal workflow show -w creative-job-<accountId>-<jobId> -o json | jq -r -f scripts/job_images.jq
# Regular activities (jobs started before images ran as local activities) pair their scheduled
# and finished events; a local activity is one marker per attempt run in a workflow task (a
# retry after a backoff timer is a marker of its own) carrying its summary and any failure.
(.events | map(select(.activityTaskScheduledEventAttributes)
  | {key: .eventId, value: ((.userMetadata.summary.data // empty | @base64d | fromjson)
                            // .activityTaskScheduledEventAttributes.activityType.name)})
  | from_entries) as $name
| .events[]
| if .markerRecordedEventAttributes.markerName == "core_local_activity" then
    .markerRecordedEventAttributes as $marker
    | ($marker.details.data.payloads[0].data | @base64d | fromjson) as $local
    | ((.userMetadata.summary.data // empty | @base64d | fromjson) // $local.activity_type) as $image
    | $marker.failure as $failure
    | if $failure == null then "\($image): completed"
      elif $failure.canceledFailureInfo then "\($image): canceled"
      else "\($image): \(if $local.backoff then "failed, retried" else "failed" end) — \($failure.cause.message // $failure.message)"
      end
  else
    (.activityTaskCompletedEventAttributes // .activityTaskFailedEventAttributes
     // .activityTaskTimedOutEventAttributes // .activityTaskCanceledEventAttributes) as $done
    | select($done)
    | "\($name[$done.scheduledEventId]): \(.eventType | ltrimstr("EVENT_TYPE_ACTIVITY_TASK_") | ascii_downcase)\(if $done.failure then " — " + ($done.failure.cause.message // $done.failure.message) else "" end)"
  end
