import type { QueueAlert, QueueThresholds } from '../../../shared/contract/queue';
import type { QueueFacts } from './queue-summary';

const formatBytes = (bytes: number) =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;

const formatAge = (seconds: number) =>
  seconds >= 2 * 86400 ? `${Math.floor(seconds / 86400)} days` : seconds >= 2 * 3600 ? `${Math.floor(seconds / 3600)} hours` : `${Math.floor(seconds / 60)} minutes`;

/** Thresholds crossed, each with a sentence saying what it means and where to look. */
export function queueAlerts(facts: QueueFacts, thresholds: QueueThresholds, growthPerMinute: number | null, now: Date): QueueAlert[] {
  const alerts: QueueAlert[] = [];
  if (facts.bytes >= thresholds.totalBytes) {
    alerts.push({
      kind: 'totalBytes',
      value: facts.bytes,
      threshold: thresholds.totalBytes,
      message: `The queues hold ${formatBytes(facts.bytes)} (alert at ${formatBytes(thresholds.totalBytes)}): check the disk of the mail spool and the top senders.`,
    });
  }
  const deferred = facts.queues.find((q) => q.queue === 'deferred')?.messages ?? 0;
  if (deferred >= thresholds.deferredMessages) {
    alerts.push({
      kind: 'deferredMessages',
      value: deferred,
      threshold: thresholds.deferredMessages,
      message: `${deferred.toLocaleString('en')} messages are deferred (alert at ${thresholds.deferredMessages.toLocaleString('en')}): see the deferral causes.`,
    });
  }
  if (growthPerMinute !== null && growthPerMinute >= thresholds.growthPerMinute) {
    alerts.push({
      kind: 'growthPerMinute',
      value: growthPerMinute,
      threshold: thresholds.growthPerMinute,
      message: `The queue grows by ${Math.round(growthPerMinute).toLocaleString('en')} messages a minute (alert at ${thresholds.growthPerMinute}): a relay may be down or an account may be sending spam.`,
    });
  }
  if (facts.oldestArrivalTime !== null) {
    const age = Math.floor((now.getTime() - Date.parse(facts.oldestArrivalTime)) / 1000);
    if (age >= thresholds.oldestAgeSeconds) {
      alerts.push({
        kind: 'oldestAgeSeconds',
        value: age,
        threshold: thresholds.oldestAgeSeconds,
        message: `The oldest message has waited ${formatAge(age)} (alert at ${formatAge(thresholds.oldestAgeSeconds)}): its recipients have not had it yet.`,
      });
    }
  }
  return alerts;
}
