import { readContactContext } from './contact-data.js';
import {
  expectObject,
  readArray,
  readNumber,
  readString,
  readStringOrNumber,
  type JsonObject,
} from './read-fields.js';
import { readTagList } from './tag-data.js';
import type { CallAnsweredData, CallCompletedData, CallStartedData, Transcription } from './types.js';

// Canonical key first, then documented aliases (spec §1.2 item 2 and §3.3).
const FROM_NUMBER = ['from_number', 'fromNumber'];
const TO_NUMBER = ['to_number', 'to'];
const START = ['start_date', 'started_at', 'startDate'];

/** call.received / call.triggered (spec §3.1, §3.2). */
export function readCallStartedData(obj: JsonObject, base: string): CallStartedData {
  return {
    id: readString(obj, base, 'id'),
    from_number: readString(obj, base, ...FROM_NUMBER),
    to_number: readString(obj, base, ...TO_NUMBER),
    started_at: readString(obj, base, 'started_at', 'start_date', 'startDate'),
    user_email: readString(obj, base, 'user_email'),
    ...readContactContext(obj, base),
  };
}

/** call.answered: undocumented payload [U], read like call.received plus the direction. */
export function readCallAnsweredData(obj: JsonObject, base: string): CallAnsweredData {
  return { ...readCallStartedData(obj, base), type: readString(obj, base, 'type') };
}

/** call.completed and legacy CALL_RECEIVED (spec §3.3, v1 camelCase and snake_case renderings). */
export function readCallCompletedData(obj: JsonObject, base: string): CallCompletedData {
  return {
    id: readString(obj, base, 'id'),
    from_number: readString(obj, base, ...FROM_NUMBER),
    to_number: readString(obj, base, ...TO_NUMBER),
    type: readString(obj, base, 'type'),
    result: readString(obj, base, 'result'),
    summary: readString(obj, base, 'summary'),
    start_date: readString(obj, base, ...START),
    recording_url: readString(obj, base, 'recording_url', 'recordingUrl'),
    from_name: readString(obj, base, 'from_name', 'fromName'),
    to_name: readString(obj, base, 'to_name', 'toName'),
    length_in_minutes: readNumber(obj, base, 'length_in_minutes', 'lengthInMinutes'),
    length: readString(obj, base, 'length'),
    tags: readTagList(obj, base, 'tags', 'tag', 'call_category'),
    user_email: readString(obj, base, 'user_email'),
    transcriptions: readArray(obj, base, 'transcriptions', readTranscription),
    one_sentence_summary: readString(obj, base, 'one_sentence_summary', 'oneSentenceSummary'),
    concatenated_transcript: readString(obj, base, 'concatenated_transcript'),
    ...readContactContext(obj, base),
  };
}

function readTranscription(value: unknown, path: string): Transcription {
  const obj = expectObject(value, path);
  return {
    source: readString(obj, path, 'source'),
    // v1 never shows the type of `time` (offset in seconds or a clock string), so take either.
    time: readStringOrNumber(obj, path, 'time'),
    text: readString(obj, path, 'text'),
  };
}
