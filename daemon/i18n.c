/*
 * The console's string catalog (English -> Simplified Chinese) and the choice
 * of language. Keys are the English strings themselves, so a page reads
 * naturally and a missing translation shows English, never a key.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "util.h"

static const char *const catalog[][2] = {
	/* navigation and frame */
	{ "Dashboard", "总览" },
	{ "Devices", "设备" },
	{ "Tickets", "工单" },
	{ "Ticket", "工单" },
	{ "Inventory", "资产清单" },
	{ "Events and logs", "事件与日志" },
	{ "Reports", "报表" },
	{ "Users", "用户" },
	{ "Role", "角色" },
	{ "Created", "创建时间" },
	{ "Updated", "更新时间" },
	{ "Administrators only.", "仅管理员可查看。" },
	{ "Users are added, changed and removed with nocctl user on the ops box.",
	  "用户在运维主机上用 nocctl user 命令添加、修改和删除。" },
	{ "Report", "报表" },
	{ "Period", "时间范围" },
	{ "Inspection report", "巡检报告" },
	{ "Hardware maintenance report", "硬件维护报告" },
	{ "download", "下载" },
	{ "90d", "90天" },
	{ "365d", "365天" },
	{ "No such report.", "没有该报表。" },
	{ "The report cannot be made.", "无法生成报表。" },
	{ "Log in", "登录" },
	{ "Log out", "退出" },
	{ "User", "用户名" },
	{ "Password", "密码" },
	{ "Error", "错误" },
	{ "Filter", "筛选" },
	{ "viewer", "只读用户" },
	{ "operator", "值班员" },
	{ "admin", "管理员" },
	{ "new critical ticket(s), not yet acknowledged", "个新的严重告警工单尚未确认" },
	/* dashboard */
	{ "Devices by class", "各类设备状态" },
	{ "Open tickets by severity", "未处理工单(按级别)" },
	{ "Open tickets by category", "未处理工单(按类别)" },
	{ "Current alarms", "当前告警" },
	{ "Recent events", "最近事件" },
	{ "Devices with most tickets (30 days)", "工单最多的设备(30天)" },
	{ "Room environment", "机房环境" },
	{ "The database cannot be read yet.", "暂时无法读取数据库。" },
	{ "Sensor", "传感器" },
	{ "Value", "数值" },
	{ "UPS", "UPS" },
	{ "Battery", "电池" },
	{ "Output source", "输出来源" },
	{ "Charge", "电量" },
	{ "Minutes remaining", "剩余时间(分钟)" },
	/* columns */
	{ "#", "编号" },
	{ "Name", "名称" },
	{ "Address", "地址" },
	{ "Class", "类型" },
	{ "Status", "状态" },
	{ "Reason", "原因" },
	{ "Down", "离线设备" },
	{ "Since", "开始时间" },
	{ "Vendor", "厂商" },
	{ "Model", "型号" },
	{ "Location", "位置" },
	{ "Contact", "联系人" },
	{ "Parent", "上级设备" },
	{ "Last poll", "最近采集" },
	{ "Status since", "状态开始于" },
	{ "Uptime", "运行时间" },
	{ "Device", "设备" },
	{ "Severity", "级别" },
	{ "Category", "类别" },
	{ "State", "状态" },
	{ "Title", "标题" },
	{ "First seen", "首次发生" },
	{ "Last seen", "最近发生" },
	{ "Count", "次数" },
	{ "Assignee", "处理人" },
	{ "Acknowledged by", "确认人" },
	{ "Rule", "规则" },
	{ "Instance", "实例" },
	{ "Source", "来源" },
	{ "SLA due", "SLA 到期" },
	{ "Time", "时间" },
	{ "Host", "主机" },
	{ "Type", "类型" },
	{ "Message", "消息" },
	{ "Who", "操作人" },
	{ "Action", "操作" },
	{ "Note", "备注" },
	{ "Open", "未关闭" },
	{ "rows", "行" },
	/* device page */
	{ "System", "系统信息" },
	{ "Open tickets", "未处理工单" },
	{ "Graphs", "趋势图" },
	{ "No data to draw yet.", "暂无可绘制的数据。" },
	{ "Interfaces", "网络接口" },
	{ "Sensors", "传感器" },
	{ "CPU", "CPU" },
	{ "Memory", "内存" },
	{ "Disks and storage", "磁盘与存储" },
	{ "Load", "负载" },
	{ "Components", "部件" },
	{ "1h", "1小时" },
	{ "1d", "1天" },
	{ "1w", "1周" },
	{ "1m", "1个月" },
	{ "1y", "1年" },
	{ "7d", "7天" },
	{ "30d", "30天" },
	/* ticket page */
	{ "Actions", "操作" },
	{ "Acknowledge", "确认" },
	{ "Assign", "派单" },
	{ "Resolve", "解决" },
	{ "Close", "关闭" },
	{ "History", "处理记录" },
	{ "Linked problems", "关联问题" },
	{ "Notifications", "通知记录" },
	{ "Channel", "通道" },
	{ "Event", "事件" },
	{ "Outcome", "结果" },
	{ "Detail", "详情" },
	{ "Cleared", "已恢复" },
	{ "Done:", "已完成:" },
	{ "ack", "确认" },
	{ "assign", "派单" },
	{ "resolve", "解决" },
	{ "close", "关闭" },
	{ "assignee", "处理人" },
	{ "note", "备注" },
	{ "Back to the ticket", "返回工单" },
	{ "Log in to act on this ticket.", "登录后可处理此工单。" },
	/* filters */
	{ "any class", "全部类型" },
	{ "any status", "全部状态" },
	{ "any severity", "全部级别" },
	{ "any category", "全部类别" },
	{ "any source", "全部来源" },
	{ "device", "设备" },
	{ "title contains", "标题包含" },
	{ "name, address, model...", "名称、地址、型号…" },
	{ "model, serial...", "型号、序列号…" },
	{ "search syslog and traps (FTS5: fan AND failed)",
	  "搜索日志和 Trap(例如 fan AND failed)" },
	{ "open (not resolved)", "未解决" },
	/* values */
	{ "up", "在线" },
	{ "down", "离线" },
	{ "unknown", "未知" },
	{ "open", "待处理" },
	{ "acknowledged", "已确认" },
	{ "assigned", "已派单" },
	{ "resolved", "已解决" },
	{ "closed", "已关闭" },
	{ "all", "全部" },
	{ "critical", "严重" },
	{ "major", "重要" },
	{ "minor", "次要" },
	{ "warning", "警告" },
	{ "info", "信息" },
	{ "hardware", "硬件" },
	{ "environment", "环境" },
	{ "power", "电源" },
	{ "availability", "可用性" },
	{ "performance", "性能" },
	{ "capacity", "容量" },
	{ "security", "安全" },
	{ "inspection", "巡检" },
	{ "switch", "交换机" },
	{ "router", "路由器" },
	{ "server", "服务器" },
	{ "storage", "存储" },
	{ "ups", "UPS" },
	{ "envstation", "动环监控" },
	{ "iot", "物联感知设备" },
	{ "batteryNormal", "电池正常" },
	{ "batteryLow", "电池电量低" },
	{ "batteryDepleted", "电池耗尽" },
	{ "battery", "电池供电" },
	{ "normal", "市电" },
	{ "bypass", "旁路" },
	{ "none", "无输出" },
	/* errors */
	{ "Wrong user or password.", "用户名或密码错误。" },
	{ "Too many failed logins: wait a few minutes.",
	  "登录失败次数过多,请几分钟后再试。" },
	{ "The login form expired: please try again.", "登录表单已过期,请重试。" },
	{ "The user database cannot be read.", "无法读取用户数据库。" },
	{ "Cross-site request refused.", "已拒绝跨站请求。" },
	{ "Missing or wrong CSRF token: reload the page.",
	  "缺少或错误的 CSRF 令牌,请刷新页面。" },
	{ "Operators only: please log in.", "仅值班员可操作,请登录。" },
	{ "Not found", "未找到" },
	{ "No such device.", "没有该设备。" },
	{ "No such ticket.", "没有该工单。" },
	{ "Bad ticket action.", "无效的工单操作。" },
	{ "Bad graph request.", "无效的趋势图请求。" },
	{ "No data for this graph.", "该趋势图没有数据。" },
	{ "The graph cannot be drawn.", "无法绘制趋势图。" },
	{ "The inventory cannot be read.", "无法读取资产清单。" },
	{ "The events cannot be read.", "无法读取事件。" },
	{ "Method not allowed", "不允许的请求方法" },
	{ "Request too large", "请求过大" },
	{ "Bad form", "无效的表单" },
	{ "POST only", "仅接受 POST" },
	{ "No randomness", "无法获取随机数" },
};

int
i18n_parse(const char *code, enum lang *out)
{
	if (code == NULL)
		return -1;
	if (strcasecmp(code, "en") == 0 || strncasecmp(code, "en-", 3) == 0 ||
	    strncasecmp(code, "en_", 3) == 0) {
		*out = LANG_EN;
		return 0;
	}
	/* Simplified Chinese: zh, zh-CN, zh_CN, zh-Hans, zh-SG; not zh-TW/zh-HK/zh-Hant */
	if (strncasecmp(code, "zh", 2) == 0 && (code[2] == '\0' || code[2] == '-' ||
	    code[2] == '_') && strcasestr(code, "tw") == NULL && strcasestr(code, "hk") == NULL &&
	    strcasestr(code, "hant") == NULL) {
		*out = LANG_ZH_CN;
		return 0;
	}
	return -1;
}

enum lang
i18n_from_accept(const char *al)
{
	enum lang best = LANG_EN;
	double best_q = 0;

	while (al && *al) {
		size_t n = strcspn(al, ",");
		char item[64], *semi, *q;
		double qv = 1.0;
		enum lang l;

		nocd_strlcpy(item, al, n + 1 < sizeof(item) ? n + 1 : sizeof(item));
		al += n;
		if (*al == ',')
			al++;
		if ((semi = strchr(item, ';')) != NULL) {
			*semi = '\0';
			if ((q = strstr(semi + 1, "q=")) != NULL)
				qv = strtod(q + 2, NULL);
		}
		/* trim blanks around the tag */
		for (q = item; *q == ' ' || *q == '\t'; q++)
			;
		q[strcspn(q, " \t")] = '\0';
		if (qv > best_q && i18n_parse(q, &l) == 0) {
			best = l;
			best_q = qv;
		}
	}
	return best;
}

enum lang
i18n_choose(const char *query, const char *cookie, const char *conf_default,
    const char *accept_language)
{
	enum lang l;

	if (i18n_parse(query, &l) == 0 || i18n_parse(cookie, &l) == 0)
		return l;
	if (conf_default && strcmp(conf_default, "auto") != 0 && i18n_parse(conf_default, &l) == 0)
		return l;
	return i18n_from_accept(accept_language);
}

const char *
i18n_code(enum lang l)
{
	return l == LANG_ZH_CN ? "zh_CN" : "en";
}

const char *
i18n_html_lang(enum lang l)
{
	return l == LANG_ZH_CN ? "zh-CN" : "en";
}

const char *
i18n_text(enum lang l, const char *english)
{
	if (l == LANG_EN || english == NULL)
		return english;
	for (size_t i = 0; i < ARRAY_SIZE(catalog); i++)
		if (strcmp(catalog[i][0], english) == 0)
			return catalog[i][1];
	return english;
}
