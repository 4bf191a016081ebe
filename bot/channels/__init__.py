"""Channel adapters: each turns what arrives on its channel into one ``handlers.base.Inbound`` and renders
the dialogue's replies back (the shape they share is ``bot.channels.base.ChannelAdapter``).

- ``base``: the protocol, ``Parsed`` (a verified WeChat-style callback), ``Callback``, text rendering and splitting;
- ``wechat_oa`` / ``wecom``: the Official Account and WeCom callbacks (``wx``: their shared safe XML parsing);
- ``web``: the web chat's JSON (``POST /api/chat`` for citizens, ``POST /console/api/chat`` for staff);
- ``console``: ``envbot chat`` and tests.
"""
