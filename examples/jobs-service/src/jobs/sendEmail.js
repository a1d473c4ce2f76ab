import { setTimeout as sleep } from "node:timers/promises";
import { EmailLog } from "../models/EmailLog.js";

/** "Sends" the email (a wait standing for the mail provider), then logs it: one log per execution. */
export async function sendEmail(job, config) {
  const { to, subject } = job.data;
  await sleep(config.emailSendMs);
  await EmailLog.create({ to, subject, jobId: String(job._id), sentAt: new Date() });
}
