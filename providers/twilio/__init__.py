"""Twilio Programmable Voice: TwiML webhook, Media Streams protocol, signatures."""
