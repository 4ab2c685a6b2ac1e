import type { Transporter } from 'nodemailer';
import type { EmailMessage, EmailSender } from '../../app/notifications/ports.js';
import { DeliveryError } from '../../domain/notifications.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  from: string;
}

/** Email over SMTP with nodemailer (loaded on first send). Locally the stack's SMTP outbox receives it. */
export class SmtpEmailSender implements EmailSender {
  private transport: Promise<Transporter> | undefined;

  constructor(private readonly settings: SmtpSettings) {}

  private transporter(): Promise<Transporter> {
    this.transport ??= import('nodemailer').then((m) =>
      m.default.createTransport({
        host: this.settings.host,
        port: this.settings.port,
        secure: this.settings.secure,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 10_000,
      }),
    );
    return this.transport;
  }

  async send(message: EmailMessage): Promise<{ response: string }> {
    if (!this.settings.host) throw new DeliveryError('email_not_configured', 'No SMTP server is configured (NOTIFY_SMTP_HOST).');
    const transport = await this.transporter();
    try {
      const info = (await transport.sendMail({ from: this.settings.from, to: message.to, subject: message.subject, text: message.text, headers: message.headers })) as { response?: string; rejected?: unknown[] };
      return { response: String(info.response ?? '') };
    } catch (err) {
      const e = err as { code?: string; response?: string; responseCode?: number; message?: string };
      throw new DeliveryError(e.responseCode ? 'smtp_rejected' : 'smtp_error', (e.response ?? e.message ?? String(err)).slice(0, 500));
    }
  }
}
