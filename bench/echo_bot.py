"""The reference for bench/serve.py: a bare PTB bot that answers every update once.

A message gets one sendMessage (with one inline button, so the next step has something to
press); a button press gets one answerCallbackQuery. No database, no rate limiter: what
python-telegram-bot and the HTTP round trips cost by themselves on this machine.

    python bench/echo_bot.py --api URL --file-api URL --token T [--webhook URL]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from urllib.parse import urlsplit

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

SECRET = "echo-bench-secret"
BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a message with one message."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, "echo", reply_markup=BUTTON)


async def on_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a button press."""
    assert update.callback_query is not None
    await update.callback_query.answer()


async def serve_webhook(app: Application, url: str) -> web.AppRunner:
    """Receives POSTed updates (checking the secret header) and queues them for the app."""

    async def receive(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
            return web.Response(status=403)
        await app.update_queue.put(Update.de_json(await request.json(), app.bot))
        return web.Response(text="ok")

    parts = urlsplit(url)
    server = web.Application()
    server.router.add_post(parts.path or "/", receive)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, parts.hostname, parts.port).start()
    await app.bot.set_webhook(url, secret_token=SECRET)
    return runner


async def main(args: argparse.Namespace) -> None:
    app = (ApplicationBuilder().token(args.token).base_url(args.api)
           .base_file_url(args.file_api).build())
    app.add_handler(MessageHandler(filters.ALL, on_message))
    app.add_handler(CallbackQueryHandler(on_query))
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await app.initialize()
    runner = None
    if args.webhook:
        runner = await serve_webhook(app, args.webhook)
    else:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
    await app.start()
    await stop.wait()
    if runner is not None:
        await runner.cleanup()
    elif app.updater is not None:
        await app.updater.stop()
    await app.stop()
    await app.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--file-api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--webhook")
    asyncio.run(main(parser.parse_args()))
