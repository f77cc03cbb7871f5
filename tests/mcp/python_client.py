"""Drives `cmos mcp` with the official MCP Python SDK's stdio client, as an independent
client would: initialize, list the tools, run an agent's loop, and hit an error.

Usage: python_client.py CMOS_BINARY REPOSITORY. Prints one line per step; exits non-zero on
any failure.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def envelope(result):
    """The cmos envelope of a tool result, from its text content."""
    assert result.content, result
    return json.loads(result.content[0].text)


async def main(binary, repo):
    params = StdioServerParameters(command=binary, args=["mcp", "--repo", repo])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.server_info.name == "cmos", init
            print("initialized", init.protocol_version)

            tools = (await session.list_tools()).tools
            names = {t.name for t in tools}
            # The default listing is the consolidated tools; the granular ones called below
            # are not listed and work all the same.
            for expected in ("cmos_agent_onboard", "cmos_mission",
                             "cmos_mission_transition", "cmos_session"):
                assert expected in names, (expected, sorted(names))
            for tool in tools:
                assert tool.input_schema["type"] == "object", tool
            print("tools", len(tools))

            onboard = envelope(await session.call_tool("cmos_agent_onboard", {"budget": 1500}))
            assert onboard["ok"], onboard
            started = envelope(await session.call_tool(
                "cmos_session_start", {"type": "build", "title": "From Python"}))
            assert started["ok"], started
            added = envelope(await session.call_tool(
                "cmos_mission_add", {"missionId": "PY1", "name": "Written by the Python client"}))
            assert added["ok"], added
            envelope(await session.call_tool("cmos_mission_start", {"missionId": "PY1"}))
            captured = envelope(await session.call_tool(
                "cmos_session_capture",
                {"category": "decision", "content": "Use the SDK\nIt is the reference client."}))
            assert captured["data"]["record"].startswith("d-"), captured
            done = envelope(await session.call_tool("cmos_mission_complete", {}))
            assert done["data"]["to"] == "Completed", done
            closed = envelope(await session.call_tool(
                "cmos_session_complete", {"summary": "PY1 done", "nextSteps": ["Review PY1"]}))
            assert closed["ok"], closed
            print("workflow ok")

            refused = await session.call_tool("cmos_mission_start", {"missionId": "PY1"})
            assert refused.is_error, refused
            body = envelope(refused)
            assert body["error"]["code"] == "invalid_transition", body
            print("error ok", body["error"]["code"])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
