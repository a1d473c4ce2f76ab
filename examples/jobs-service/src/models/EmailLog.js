import mongoose from "mongoose";

/** One document per execution of the email job: the service's record that an email went out. */
const emailLogSchema = new mongoose.Schema(
  {
    to: { type: String, required: true },
    subject: { type: String, default: "" },
    // The scheduler's job id as a string, so a log can be matched to its job.
    jobId: { type: String, required: true, index: true },
    sentAt: { type: Date, required: true },
  },
  { collection: "emaillogs", versionKey: false },
);

export const EmailLog = mongoose.model("EmailLog", emailLogSchema);
