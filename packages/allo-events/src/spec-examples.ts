// Every example payload of /work/shared/allo-webhooks-spec.md, copied verbatim as raw JSON text
// (§2.5 test-vector body and §3.1-§3.7), plus composed legacy variants (§1.2) used by the tests.

/** Spec examples by label, as the raw body text Allo would send. */
export const SPEC_EXAMPLES: Readonly<Record<string, string>> = {
  // §2.5 signature test vector body (140 bytes).
  'sms.received (test vector)':
    '{"topic":"sms.received","version":"2.0","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"msg_5HtYw2Lq8NcV1bRz6KpE","content":"Bonjour"}}',
  'call.received': `{
  "topic": "call.received",
  "version": "2.0",
  "timestamp": "2026-02-03T09:12:04.518Z",
  "data": {
    "from_number": "+14155550142",
    "to_number": "+14155550100",
    "started_at": "2026-02-03T09:12:04.201Z",
    "user_email": "dana.reyes@brightlane.io",
    "person": {
      "id": "con_8dKq3ZtW1nVb6RyLp0Ha",
      "name": "Jordan",
      "last_name": "Whitfield",
      "email": "jordan@harborfreight-logistics.com",
      "emails": ["jordan@harborfreight-logistics.com"],
      "numbers": ["+14155550142"],
      "job_title": "Operations Manager",
      "lead_source": "Webinar"
    },
    "company": { "id": "com-7f31c9ab02de", "name": "Harbor Freight Logistics" },
    "deals": [
      {
        "id": "dea-41be77a0c5f2",
        "name": "Fleet tracking pilot",
        "status": "proposal",
        "value": 18000.0,
        "currency": "USD",
        "close_date": "2026-03-31T00:00:00"
      }
    ]
  }
}`,
  'call.triggered': `{
  "topic": "call.triggered",
  "version": "2.0",
  "timestamp": "2026-02-03T10:40:11.090Z",
  "data": {
    "from_number": "+14155550100",
    "to_number": "+13125550177",
    "started_at": "2026-02-03T10:40:10.874Z",
    "user_email": "dana.reyes@brightlane.io"
  }
}`,
  'call.completed': `{
  "topic": "call.completed",
  "version": "2.0",
  "timestamp": "2026-02-03T09:19:47.332Z",
  "data": {
    "id": "cll_3VfPq8LmZ2cX7wNt5RbJ",
    "start_date": "2026-02-03T09:12:04.201Z",
    "from_number": "+14155550142",
    "from_name": "Jordan Whitfield",
    "to": "+14155550100",
    "to_name": "Brightlane Sales",
    "type": "INBOUND",
    "result": "ANSWERED",
    "length_in_minutes": 7.25,
    "length": "7m 15s",
    "recording_url": "https://recordings.example-cdn.net/cll_3VfPq8LmZ2cX7wNt5RbJ.mp3",
    "tags": ["pricing", "follow-up"],
    "summary": "**Summary:** Jordan asked for pricing on 40 trackers and a pilot start date in March.",
    "user_email": "dana.reyes@brightlane.io"
  }
}`,
  'tag.added': `{
  "topic": "tag.added",
  "version": "2.0",
  "timestamp": "2026-02-03T09:21:02.017Z",
  "data": { "call_id": "cll_3VfPq8LmZ2cX7wNt5RbJ", "tag": "qualified" }
}`,
  'sms.received': `{
  "topic": "sms.received",
  "version": "2.0",
  "timestamp": "2026-02-03T11:05:30.640Z",
  "data": {
    "id": "msg_9TzH4kWq1PnC6vLs2XbM",
    "direction": "INBOUND",
    "type": "SMS",
    "content": "Hi Dana, can we move the demo to Thursday 2pm?",
    "sent_at": "2026-02-03T11:05:29.000Z",
    "from_number": "+14155550142",
    "to_number": "+14155550100",
    "from_name": "Jordan Whitfield",
    "to_name": "Brightlane Sales",
    "user_email": "dana.reyes@brightlane.io"
  }
}`,
  'sms.sent': `{
  "topic": "sms.sent",
  "version": "2.0",
  "timestamp": "2026-02-03T11:07:12.118Z",
  "data": {
    "id": "msg_2GhR7nYt5QwE3kLp9VcA",
    "direction": "OUTBOUND",
    "type": "SMS",
    "content": "Thursday 2pm works. Calendar invite on its way.",
    "sent_at": "2026-02-03T11:07:11.902Z",
    "from_number": "+14155550100",
    "to_number": "+14155550142",
    "from_name": "Brightlane Sales",
    "to_name": "Jordan Whitfield",
    "user_email": "dana.reyes@brightlane.io"
  }
}`,
  'contact.updated': `{
  "topic": "contact.updated",
  "version": "2.0",
  "timestamp": "2026-02-03T11:30:55.004Z",
  "data": {
    "id": "con_8dKq3ZtW1nVb6RyLp0Ha",
    "name": "Jordan",
    "last_name": "Whitfield",
    "email": "jordan@harborfreight-logistics.com",
    "emails": ["jordan@harborfreight-logistics.com", "j.whitfield@gmail.com"],
    "numbers": ["+14155550142"],
    "job_title": "VP Operations",
    "lead_source": "Webinar"
  }
}`,
};

const legacyCallCamel = {
  id: 'call_1a2b3c',
  startDate: '2024-05-02T14:03:11Z',
  fromNumber: '+1234567890',
  fromName: 'Jane Caller',
  to: '+0987654321',
  toName: 'Support line',
  lengthInMinutes: 5.5,
  length: '5m 30s',
  recordingUrl: 'https://example.invalid/rec.mp3',
  tag: 'support',
  oneSentenceSummary: 'Customer asked about an invoice.',
  summary: 'Customer asked about an invoice.',
  transcriptions: [
    { source: 'USER', time: '00:00:02', text: 'Hello?' },
    { source: 'AGENT', time: 3.5, text: 'Hi, how can I help?' },
  ],
};

/** Composed legacy deliveries (spec §1.2): v1 `{topic, data}` and Apidog `{topic, body}`. */
export const LEGACY_EXAMPLES = {
  'CALL_RECEIVED camelCase': { topic: 'CALL_RECEIVED', data: legacyCallCamel },
  'CALL_RECEIVED snake_case': {
    topic: 'CALL_RECEIVED',
    data: {
      id: 'call_1a2b3c',
      start_date: '2024-05-02T14:03:11Z',
      from_number: '+1234567890',
      from_name: 'Jane Caller',
      to: '+0987654321',
      to_name: 'Support line',
      length_in_minutes: 5.5,
      length: '5m 30s',
      recording_url: 'https://example.invalid/rec.mp3',
      tag: 'support',
      one_sentence_summary: 'Customer asked about an invoice.',
      summary: 'Customer asked about an invoice.',
      transcriptions: legacyCallCamel.transcriptions,
    },
  },
  'CALL_RECEIVED Apidog body': {
    topic: 'CALL_RECEIVED',
    body: {
      id: 'call_9z8y7x',
      from_number: 'anonymous',
      to_number: '+0987654321',
      call_category: 'Sales',
      concatenated_transcript: 'USER: hi AGENT: hello',
    },
  },
  'SMS_RECEIVED Apidog body': {
    topic: 'SMS_RECEIVED',
    body: { id: 'msg_legacy1', direction: 'INBOUND', content: 'hi', from_number: '+1234567890' },
  },
  'SMS_SENT v1': {
    topic: 'SMS_SENT',
    data: { id: 'msg_legacy2', direction: 'OUTBOUND', content: 'hello', to_number: '+1234567890' },
  },
  'CONTACT_CREATED v1': { topic: 'CONTACT_CREATED', data: { id: 'con_legacy', name: 'Jane' } },
  'CONTACT_UPDATED v1': { topic: 'CONTACT_UPDATED', data: { id: 'con_legacy', job_title: 'CTO' } },
  PING: { topic: 'PING' },
} as const;
