"""The bottom of the house, importing nothing of ours: settings (read once, passed down), the
translator and its markers (text, i18n), splitting HTML to Telegram's message size (split), the
log's token redaction, the process's memory settings, and owner-only data files. Every other
package may import it."""
