/*
 * The inspection and hardware maintenance reports: one self-contained HTML
 * document each (inline CSS, no scripts, no external resources) that prints
 * on A4, in English or Simplified Chinese.
 *
 * Everything comes from the read-only database and the RRD archives.
 * Device strings (names, sysDescr, labels, ticket titles and notes) are
 * hostile input: every one goes through html_put(), which escapes markup
 * and replaces broken UTF-8, so the document is always valid UTF-8 whatever
 * a device sends. Text of our own comes from the string table below, with
 * {1}, {2}... placeholders filled by escaped arguments: no table string is
 * ever a printf format.
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rrd.h>
#include <sqlite3.h>

#include "conf.h"
#include "report.h"
#include "rrdstore.h"
#include "util.h"

#define OPEN_STATES	"('open', 'acknowledged', 'assigned')"
#define MAX_TICKET_ROWS	500		/* a printable report, not an export */
/* the archives' full-resolution tier keeps 2 days: an hour less is surely in it */
#define RAW_KEEP_S	(2 * 86400 - 3600)
#define AVAIL_TARGET	99.9
#define ROOM_TEMP_MIN	18.0
#define ROOM_TEMP_MAX	27.0
#define HUMIDITY_MIN	20.0
#define HUMIDITY_MAX	75.0
#define WARRANTY_SOON_S	(90 * 86400LL)
#define OLD_YEARS	5.0

/* --- the string table --- */

enum str {
	S_TITLE_INSPECTION, S_TITLE_HARDWARE, S_OPS_BOX, S_PERIOD, S_GENERATED,
	S_N_DEVICES, S_N_POLLS, S_LAST_POLLS, S_STATE_DIR, S_BY_CLASS, S_N_ITEMS,
	S_H_CHECKED, S_H_STATUS, S_H_PROBLEMS, S_H_ENV, S_H_ADVICE, S_H_SUMMARY,
	S_H_FAULTS, S_H_PERF, S_H_CAPACITY, S_H_AGEING,
	S_C_DEVICE, S_C_CLASS, S_C_LOCATION, S_C_STATUS,
	S_C_LAST_POLL, S_C_POLLS, S_C_AVAIL, S_C_DOWNTIME, S_C_ID, S_C_OPENED,
	S_C_CATEGORY, S_C_SEVERITY, S_C_STATE, S_C_TITLE, S_C_ACKED, S_C_RESOLVED,
	S_C_HANDLING, S_C_SENSOR, S_C_MEASURE, S_C_MIN, S_C_AVG, S_C_MAX, S_C_UNIT,
	S_C_SAMPLES, S_C_SOURCE, S_C_DEVICES, S_C_UP, S_C_DOWN, S_C_UNKNOWN,
	S_C_OPEN_TICKETS, S_C_CPU, S_C_MEM, S_C_IF, S_C_STORAGE, S_C_VOLUME,
	S_C_USED_NOW, S_C_GROWTH, S_C_DAYS_FULL, S_C_PURCHASE, S_C_AGE, S_C_WARRANTY,
	S_C_WSTATUS, S_C_ASSET_TAG, S_C_SYSTEM,
	S_V_UP, S_V_DOWN, S_V_UNKNOWN,
	S_V_OPEN, S_V_ACKNOWLEDGED, S_V_ASSIGNED, S_V_RESOLVED, S_V_CLOSED,
	S_V_CRITICAL, S_V_MAJOR, S_V_MINOR, S_V_WARNING, S_V_INFO,
	S_V_HARDWARE, S_V_ENVIRONMENT, S_V_POWER, S_V_AVAILABILITY, S_V_PERFORMANCE,
	S_V_CAPACITY, S_V_SECURITY, S_V_INSPECTION,
	S_M_ROOM_TEMP, S_M_HUMIDITY, S_M_DEV_TEMP, S_M_UPS_CHARGE, S_M_UPS_MINUTES,
	S_M_UPS_BATT_TEMP, S_M_UPS_IN_VOLT, S_M_UPS_LOAD, S_M_CPU, S_M_MEM, S_M_IF_IN,
	S_M_IF_OUT, S_M_STORAGE,
	S_V_RRD, S_V_LAST, S_V_NOT_GROWING, S_V_EXPIRED, S_V_ENDING, S_V_IN_WARRANTY,
	S_V_NO_ASSET, S_V_SLA, S_V_NONE, S_V_MORE, S_V_PEAK_AT, S_V_UNCLASSIFIED,
	S_V_TOTAL, S_V_BY_SEVERITY, S_V_BY_CATEGORY, S_V_NOT_POLLED, S_V_SINCE,
	S_N_AVAIL, S_N_ENV, S_N_PERF, S_N_CAP, S_N_AGE, S_N_FAULTS, S_PROBLEMS_SUMMARY,
	S_A_AVAIL, S_A_DOWN_NOW, S_A_UNACKED, S_A_TEMP_HIGH, S_A_TEMP_LOW, S_A_HUMIDITY,
	S_A_UPS, S_A_SLA, S_A_OPEN_FAULTS, S_A_CPU, S_A_MEM, S_A_IF, S_A_STORAGE_FULL,
	S_A_STORAGE_DAYS, S_A_WARRANTY_EXPIRED, S_A_WARRANTY_ENDING, S_A_OLD, S_A_NONE,
	S_FOOTER,
	S_COUNT
};

/* [en, zh_CN]; {N} is the Nth argument, escaped. */
static const char *const strings[S_COUNT][2] = {
	[S_TITLE_INSPECTION] = { "Inspection report", "巡检报告" },
	[S_TITLE_HARDWARE] = { "Hardware maintenance report", "硬件维护报告" },
	[S_OPS_BOX] = { "Ops box", "运维主机" },
	[S_PERIOD] = { "Period", "报告周期" },
	[S_GENERATED] = { "Generated at", "生成时间" },
	[S_N_DEVICES] = { "Devices checked", "巡检设备数" },
	[S_N_POLLS] = { "Polls recorded (since each device was added)",
		"累计轮询次数（自设备添加起）" },
	[S_LAST_POLLS] = { "Last polls", "最近轮询时间" },
	[S_BY_CLASS] = { "Devices by class", "各类别设备数" },
	[S_N_ITEMS] = { "Items read per poll (metrics of all instances)",
		"每轮读取的监测项（各实例的指标）" },
	[S_STATE_DIR] = { "Data", "数据目录" },
	[S_H_CHECKED] = { "What was checked and when", "巡检范围与时间" },
	[S_H_STATUS] = { "Device status and availability", "设备状态与可用率" },
	[S_H_PROBLEMS] = { "Problems found and their handling", "发现的问题及处理情况" },
	[S_H_ENV] = { "Environment ranges", "机房环境数据范围" },
	[S_H_ADVICE] = { "Advice", "建议" },
	[S_H_SUMMARY] = { "Status summary by class", "按设备类别的状态汇总" },
	[S_H_FAULTS] = { "Fault records", "故障记录" },
	[S_H_PERF] = { "Performance analysis", "性能分析" },
	[S_H_CAPACITY] = { "Capacity forecast", "容量预测" },
	[S_H_AGEING] = { "Ageing and warranty", "设备老化与保修" },
	[S_C_DEVICE] = { "Device", "设备" },
	[S_C_CLASS] = { "Class", "设备类别" },
	[S_C_LOCATION] = { "Location", "位置" },
	[S_C_STATUS] = { "Status", "状态" },
	[S_C_LAST_POLL] = { "Last poll", "最近轮询" },
	[S_C_POLLS] = { "Polls (failed)", "轮询次数（失败）" },
	[S_C_AVAIL] = { "Availability", "可用率" },
	[S_C_DOWNTIME] = { "Downtime", "中断时长" },
	[S_C_ID] = { "Ticket", "工单" },
	[S_C_OPENED] = { "Opened", "发生时间" },
	[S_C_CATEGORY] = { "Category", "问题类型" },
	[S_C_SEVERITY] = { "Severity", "级别" },
	[S_C_STATE] = { "State", "工单状态" },
	[S_C_TITLE] = { "Problem", "问题描述" },
	[S_C_ACKED] = { "Acknowledged", "确认" },
	[S_C_RESOLVED] = { "Resolved", "解决" },
	[S_C_HANDLING] = { "Handling notes", "处理记录" },
	[S_C_SENSOR] = { "Sensor / instance", "传感器/实例" },
	[S_C_MEASURE] = { "Measure", "指标" },
	[S_C_MIN] = { "Min", "最小值" },
	[S_C_AVG] = { "Average", "平均值" },
	[S_C_MAX] = { "Max", "最大值" },
	[S_C_UNIT] = { "Unit", "单位" },
	[S_C_SAMPLES] = { "Samples", "样本数" },
	[S_C_SOURCE] = { "Source", "数据来源" },
	[S_C_DEVICES] = { "Devices", "设备数" },
	[S_C_UP] = { "Up", "正常" },
	[S_C_DOWN] = { "Down", "离线" },
	[S_C_UNKNOWN] = { "Unknown", "未知" },
	[S_C_OPEN_TICKETS] = { "Open tickets", "未关闭工单" },
	[S_C_CPU] = { "CPU % avg / peak", "CPU % 平均 / 峰值" },
	[S_C_MEM] = { "Memory % avg / peak", "内存 % 平均 / 峰值" },
	[S_C_IF] = { "Interfaces % avg / peak", "接口 % 平均 / 峰值" },
	[S_C_STORAGE] = { "Storage % avg / peak", "存储 % 平均 / 峰值" },
	[S_C_VOLUME] = { "Volume", "卷/文件系统" },
	[S_C_USED_NOW] = { "Used now %", "当前使用率 %" },
	[S_C_GROWTH] = { "Growth % per day", "日增长 %" },
	[S_C_DAYS_FULL] = { "Days until full", "预计写满天数" },
	[S_C_PURCHASE] = { "Purchase date", "购置日期" },
	[S_C_AGE] = { "Age (years)", "使用年限（年）" },
	[S_C_WARRANTY] = { "Warranty end", "保修截止" },
	[S_C_WSTATUS] = { "Warranty", "保修状态" },
	[S_C_ASSET_TAG] = { "Asset tag", "资产编号" },
	[S_C_SYSTEM] = { "System", "系统信息" },
	[S_V_UP] = { "up", "正常" },
	[S_V_DOWN] = { "down", "离线" },
	[S_V_UNKNOWN] = { "unknown", "未知" },
	[S_V_OPEN] = { "open", "待处理" },
	[S_V_ACKNOWLEDGED] = { "acknowledged", "已确认" },
	[S_V_ASSIGNED] = { "assigned", "已派单" },
	[S_V_RESOLVED] = { "resolved", "已解决" },
	[S_V_CLOSED] = { "closed", "已关闭" },
	[S_V_CRITICAL] = { "critical", "紧急" },
	[S_V_MAJOR] = { "major", "严重" },
	[S_V_MINOR] = { "minor", "次要" },
	[S_V_WARNING] = { "warning", "警告" },
	[S_V_INFO] = { "info", "提示" },
	[S_V_HARDWARE] = { "hardware", "硬件" },
	[S_V_ENVIRONMENT] = { "environment", "环境" },
	[S_V_POWER] = { "power", "电源" },
	[S_V_AVAILABILITY] = { "availability", "可用性" },
	[S_V_PERFORMANCE] = { "performance", "性能" },
	[S_V_CAPACITY] = { "capacity", "容量" },
	[S_V_SECURITY] = { "security", "安全" },
	[S_V_INSPECTION] = { "inspection", "巡检" },
	[S_M_ROOM_TEMP] = { "room temperature", "机房温度" },
	[S_M_HUMIDITY] = { "humidity", "湿度" },
	[S_M_DEV_TEMP] = { "device temperature", "设备温度" },
	[S_M_UPS_CHARGE] = { "UPS battery charge", "UPS 电池电量" },
	[S_M_UPS_MINUTES] = { "UPS runtime remaining", "UPS 剩余续航" },
	[S_M_UPS_BATT_TEMP] = { "UPS battery temperature", "UPS 电池温度" },
	[S_M_UPS_IN_VOLT] = { "UPS input voltage", "UPS 输入电压" },
	[S_M_UPS_LOAD] = { "UPS output load", "UPS 输出负载" },
	[S_M_CPU] = { "CPU", "CPU" },
	[S_M_MEM] = { "memory", "内存" },
	[S_M_IF_IN] = { "interface in", "接口入向" },
	[S_M_IF_OUT] = { "interface out", "接口出向" },
	[S_M_STORAGE] = { "storage", "存储" },
	[S_V_RRD] = { "RRD archive", "RRD 历史数据" },
	[S_V_LAST] = { "last value only", "仅最近值" },
	[S_V_NOT_GROWING] = { "not growing", "未增长" },
	[S_V_EXPIRED] = { "expired", "已过保" },
	[S_V_ENDING] = { "ends within 90 days", "90 天内到期" },
	[S_V_IN_WARRANTY] = { "in warranty", "在保" },
	[S_V_NO_ASSET] = { "no asset data", "无资产信息" },
	[S_V_SLA] = { "SLA breached", "超出 SLA" },
	[S_V_NONE] = { "None in this period.", "本周期内无。" },
	[S_V_MORE] = { "{1} more not shown.", "另有 {1} 条未显示。" },
	[S_V_PEAK_AT] = { "peak at {1}", "峰值位于 {1}" },
	[S_V_UNCLASSIFIED] = { "(not classified)", "（未分类）" },
	[S_V_TOTAL] = { "Total", "合计" },
	[S_V_BY_SEVERITY] = { "By severity", "按级别" },
	[S_V_BY_CATEGORY] = { "By category", "按类型" },
	[S_V_NOT_POLLED] = { "not polled yet", "尚未轮询" },
	[S_V_SINCE] = { "since {1}", "自 {1} 起" },
	[S_N_AVAIL] = {
		"How availability is computed: from each device's availability tickets (device "
		"unreachable). The device counts as down from the poll that opened the ticket "
		"(after two failed polls in a row) until the poll that cleared it, and while it was "
		"linked to its parent device's outage; overlapping intervals count once and are "
		"clipped to the period, which starts when the device was added if that was later. "
		"Outages shorter than two polls and outages inside maintenance windows raise no "
		"ticket and are not counted. Poll counts are the device's totals since it was added.",
		"可用率的计算方法：根据各设备的可用性工单（设备不可达）计算。从开单的那次轮询（连续两次"
		"轮询失败后）起，到恢复的那次轮询为止，计为离线；因上级设备故障而关联到上级工单的期间"
		"同样计为离线。重叠时段只计一次，并截取到报告周期内（设备在周期开始后添加的，从添加时"
		"起算）。短于两次轮询的中断和维护窗口内的中断不产生工单，不计入。轮询次数为设备添加以来"
		"的累计值。" },
	[S_N_ENV] = {
		"Minimum and average from the RRD archives' averages, maximum from their maxima, "
		"over the period; where a device has no archive, its last polled value is shown.",
		"最小值和平均值取自 RRD 历史数据的平均值，最大值取自其最大值；没有历史数据的，显示最近"
		"一次轮询的值。" },
	[S_N_PERF] = {
		"Utilisation in %, average and peak over the period from the RRD archives. Where a "
		"device has several CPUs, interfaces or volumes, the average is their mean and the "
		"peak the highest of them, with the instance where it was seen.",
		"利用率（%）为报告周期内 RRD 历史数据的平均值和峰值。设备有多个 CPU、接口或卷时，"
		"平均值为各实例的平均，峰值为其中最高者，并注明所在实例。" },
	[S_N_CAP] = {
		"Days until full: a straight line fitted to the used % over the period (least "
		"squares) and extended to 100 %, as the rules' full_within_days does.",
		"预计写满天数：对周期内的使用率做最小二乘直线拟合并外推至 100 %，与规则 "
		"full_within_days 的算法相同。" },
	[S_N_AGE] = {
		"Age from the purchase date, warranty from the warranty end (nocctl asset set), "
		"both counted at the end of the period.",
		"使用年限按购置日期计算，保修状态按保修截止日期（nocctl asset set）判断，均计算至"
		"报告周期结束。" },
	[S_N_FAULTS] = {
		"Tickets of the categories hardware, power and environment opened in the period.",
		"本周期内新开的硬件、电源和环境类工单。" },
	[S_PROBLEMS_SUMMARY] = {
		"{1} tickets opened in the period, {2} of them still open; mean time to acknowledge "
		"{3}, to resolve {4}; {5} response time (SLA) breaches.",
		"本周期新开工单 {1} 个，其中 {2} 个仍未关闭；平均确认时间 {3}，平均解决时间 {4}；"
		"超出响应时限（SLA）{5} 个。" },
	[S_A_AVAIL] = {
		"{1}: availability {2} % in the period, below 99.9 %. Find the cause of its outages "
		"(power, uplink, the device itself) in its tickets and remove it.",
		"{1}：本周期可用率 {2} %，低于 99.9 %。请根据其工单查明中断原因（供电、上联链路或设备"
		"本身）并予以消除。" },
	[S_A_DOWN_NOW] = { "{1} is down now: {2}.", "{1} 当前离线：{2}。" },
	[S_A_UNACKED] = {
		"{1} critical tickets are not acknowledged: {2}. The duty room must acknowledge "
		"them within the response time.",
		"有 {1} 个紧急工单尚未确认：{2}。值班人员应在响应时限内确认。" },
	[S_A_TEMP_HIGH] = {
		"{1} {2}: temperature reached {3} C, above the recommended 18–27 C. Check the air "
		"conditioning and the airflow of the racks.",
		"{1} {2}：温度最高达到 {3} C，超出建议范围 18–27 C。请检查精密空调及机柜气流组织。" },
	[S_A_TEMP_LOW] = {
		"{1} {2}: temperature fell to {3} C, below the recommended 18–27 C. Check the air "
		"conditioning set point.",
		"{1} {2}：温度最低降至 {3} C，低于建议范围 18–27 C。请检查空调设定温度。" },
	[S_A_HUMIDITY] = {
		"{1} {2}: humidity ranged from {3} to {4} %RH, outside 20–75 %RH. Check "
		"humidification and dehumidification.",
		"{1} {2}：湿度在 {3} 至 {4} %RH 之间，超出 20–75 %RH。请检查加湿和除湿设备。" },
	[S_A_UPS] = {
		"{1}: UPS problems in the period ({2}). Check the mains supply and the battery; "
		"run a battery test and replace the battery if its runtime is short.",
		"{1}：本周期 UPS 出现问题（{2}）。请检查市电供电和电池，进行电池测试，续航不足时更换"
		"电池。" },
	[S_A_SLA] = {
		"{1} tickets were not acknowledged within their response time (SLA). Review duty "
		"staffing and the notification channels.",
		"有 {1} 个工单未在响应时限（SLA）内确认。请检查值班安排和告警通知渠道。" },
	[S_A_OPEN_FAULTS] = {
		"{1} fault tickets are still open: {2}. Schedule their repair.",
		"仍有 {1} 个故障工单未关闭：{2}。请安排维修。" },
	[S_A_CPU] = {
		"{1}: CPU peak {2} %, average {3} %. Find the load behind it; plan an upgrade if the "
		"average stays above 70 %.",
		"{1}：CPU 峰值 {2} %，平均 {3} %。请排查负载来源；平均值持续高于 70 % 时应规划扩容。" },
	[S_A_MEM] = {
		"{1}: memory {2} % used on average. Add memory or move load.",
		"{1}：内存平均使用率 {2} %。请扩充内存或迁移负载。" },
	[S_A_IF] = {
		"{1} {2}: interface utilisation peaked at {3} %. Consider more bandwidth or "
		"balancing the traffic.",
		"{1} {2}：接口利用率峰值 {3} %。请考虑扩容带宽或均衡流量。" },
	[S_A_STORAGE_FULL] = {
		"{1} {2}: {3} % used. Free space or extend it.",
		"{1} {2}：已使用 {3} %。请清理空间或扩容。" },
	[S_A_STORAGE_DAYS] = {
		"{1} {2}: full in about {3} days at the current rate. Extend it before then.",
		"{1} {2}：按当前增长速度约 {3} 天后写满，请提前扩容。" },
	[S_A_WARRANTY_EXPIRED] = {
		"{1}: warranty ended {2}. Renew the maintenance contract or plan a replacement.",
		"{1}：保修已于 {2} 到期。请续签维保合同或规划更换。" },
	[S_A_WARRANTY_ENDING] = {
		"{1}: warranty ends {2}, within 90 days. Renew the maintenance contract in time.",
		"{1}：保修将于 {2} 到期（90 天内）。请及时续签维保合同。" },
	[S_A_OLD] = {
		"{1}: {2} years in service. Plan its replacement.",
		"{1}：已使用 {2} 年，请规划更新换代。" },
	[S_A_NONE] = { "No action needed: nothing was found that needs attention.",
		"无需处理：未发现需要关注的问题。" },
	[S_FOOTER] = { "Made by nocd from its database and RRD archives.",
		"由 nocd 根据其数据库和 RRD 历史数据生成。" },
};

/* --- the report being written --- */

enum mkind { MK_ROOM_TEMP, MK_HUMIDITY, MK_DEV_TEMP, MK_UPS, MK_CPU, MK_MEM, MK_IF,
	MK_STORAGE };

/* Which archived metrics the reports read (see the files in probes/). */
struct mspec {
	const char *group, *ds;
	enum mkind kind;
	enum str label;
	const char *unit;
	const char *where_metric;	/* only rows whose metric has this value */
	double where_value;
	const char *instances;		/* regex on the label (or instance); NULL = all */
	int skip_zero;			/* rows of components that do not have it read 0 */
};

static const struct mspec specs[] = {
	{ "sensor", "value", MK_ROOM_TEMP, S_M_ROOM_TEMP, "C", "type", 8, NULL, 0 },
	{ "sensor", "value", MK_HUMIDITY, S_M_HUMIDITY, "%RH", "type", 9, NULL, 0 },
	{ "akcp_temp", "degree", MK_ROOM_TEMP, S_M_ROOM_TEMP, "C", NULL, 0, NULL, 0 },
	{ "akcp_humidity", "percent", MK_HUMIDITY, S_M_HUMIDITY, "%RH", NULL, 0, NULL, 0 },
	{ "cisco_temp", "value", MK_DEV_TEMP, S_M_DEV_TEMP, "C", NULL, 0, NULL, 0 },
	{ "lm_temp", "value", MK_DEV_TEMP, S_M_DEV_TEMP, "C", NULL, 0, NULL, 0 },
	{ "jnx_component", "temperature", MK_DEV_TEMP, S_M_DEV_TEMP, "C", NULL, 0, NULL, 1 },
	{ "ups", "charge", MK_UPS, S_M_UPS_CHARGE, "%", NULL, 0, NULL, 0 },
	{ "ups", "minutes_remaining", MK_UPS, S_M_UPS_MINUTES, "min", NULL, 0, NULL, 0 },
	{ "ups", "battery_temp", MK_UPS, S_M_UPS_BATT_TEMP, "C", NULL, 0, NULL, 0 },
	{ "ups_input", "voltage", MK_UPS, S_M_UPS_IN_VOLT, "V", NULL, 0, NULL, 0 },
	{ "ups_output", "load", MK_UPS, S_M_UPS_LOAD, "%", NULL, 0, NULL, 0 },
	{ "apc_ups", "capacity", MK_UPS, S_M_UPS_CHARGE, "%", NULL, 0, NULL, 0 },
	{ "apc_ups", "runtime_min", MK_UPS, S_M_UPS_MINUTES, "min", NULL, 0, NULL, 0 },
	{ "apc_ups", "battery_temp", MK_UPS, S_M_UPS_BATT_TEMP, "C", NULL, 0, NULL, 0 },
	{ "apc_ups", "output_load", MK_UPS, S_M_UPS_LOAD, "%", NULL, 0, NULL, 0 },
	{ "cpu", "load", MK_CPU, S_M_CPU, "%", NULL, 0, NULL, 0 },
	{ "netapp", "cpu", MK_CPU, S_M_CPU, "%", NULL, 0, NULL, 0 },
	{ "jnx_component", "cpu", MK_CPU, S_M_CPU, "%", NULL, 0, NULL, 1 },
	{ "memory", "used_pct", MK_MEM, S_M_MEM, "%", NULL, 0, NULL, 0 },
	{ "jnx_component", "memory", MK_MEM, S_M_MEM, "%", NULL, 0, NULL, 1 },
	{ "interface", "in_util", MK_IF, S_M_IF_IN, "%", NULL, 0, NULL, 0 },
	{ "interface", "out_util", MK_IF, S_M_IF_OUT, "%", NULL, 0, NULL, 0 },
	/* the same volumes as the shipped storage rules */
	{ "storage", "used_pct", MK_STORAGE, S_M_STORAGE, "%", NULL, 0, "^/|^[A-Z]:", 0 },
	{ "netapp_vol", "used_pct", MK_STORAGE, S_M_STORAGE, "%", NULL, 0, "^/vol/[^.]*/?$",
		0 },
};

/* One archived metric of one instance, summarised over the period. */
struct series {
	char device[NAME_MAX_LEN];
	char instance[128];
	char label[128];
	char display[160];		/* when there is no label */
	const struct mspec *spec;
	double min, avg, max, last;
	double slope_per_day;		/* least squares; NAN with too few points */
	long n;				/* known samples */
	int from_rrd;
};

struct device_row {
	char name[NAME_MAX_LEN];
	char cls[32];
	char status[16];
	char reason[256];
	time_t created;
	int polled;			/* at least once */
	double avail;			/* %; NAN when the device has no time in the period */
	long long down_s;
};

struct report {
	sqlite3 *db;
	const struct nocd_conf *conf;
	time_t since, until, now;
	int zh;
	FILE *out;
	struct series *s;
	size_t n_s;
	struct device_row *dev;
	size_t n_dev;
	int n_advice;
	int failed;			/* a query failed: say so in err */
	char err[256];
};

static const char *
tr(const struct report *r, enum str id)
{
	return strings[id][r->zh];
}

/* --- HTML output --- */

/* U+202A..U+202E and U+2066..U+2069: embeddings, overrides and isolates. */
static int
is_bidi_control(const unsigned char *p, size_t n)
{
	return n == 3 && p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
	    (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));
}

/*
 * Text from anywhere, as HTML text or attribute value: never markup. At
 * most `max` characters (0: all), then an ellipsis.
 */
static void
html_put_max(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t shown = 0;

	while (*p) {
		size_t n = utf8_seq_len(p);

		if (max > 0 && shown++ >= max) {
			fputs("…", f);
			return;
		}

		if (n == 0) {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD for a broken byte */
			p++;
			continue;
		}
		if (is_bidi_control(p, n)) {
			/* a device must not turn the text around it */
			fputs("\xef\xbf\xbd", f);
			p += n;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fputc(' ', f);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
}

static void
html_put(FILE *f, const char *s)
{
	html_put_max(f, s, 0);
}

/* A table string with its {N} placeholders replaced by escaped arguments. */
static void
say(const struct report *r, enum str id, const char *a1, const char *a2, const char *a3,
    const char *a4, const char *a5)
{
	const char *args[5] = { a1, a2, a3, a4, a5 };
	const char *p = tr(r, id);

	for (; *p; p++) {
		if (p[0] == '{' && p[1] >= '1' && p[1] <= '5' && p[2] == '}') {
			html_put(r->out, args[p[1] - '1'] ? args[p[1] - '1'] : "");
			p += 2;
			continue;
		}
		fputc(*p, r->out);
	}
}

static void
put_str(const struct report *r, enum str id)
{
	say(r, id, NULL, NULL, NULL, NULL, NULL);
}

static void
th(const struct report *r, enum str id)
{
	fputs("<th>", r->out);
	put_str(r, id);
	fputs("</th>", r->out);
}

/* A table with these column headings; rows follow, then "</tbody></table>". */
static void
thead(const struct report *r, const enum str *cols, size_t n)
{
	fputs("<table>\n<thead><tr>", r->out);
	for (size_t i = 0; i < n; i++)
		th(r, cols[i]);
	fputs("</tr></thead>\n<tbody>\n", r->out);
}

#define THEAD(r, ...) do {						\
	static const enum str cols_[] = { __VA_ARGS__ };		\
	thead((r), cols_, sizeof(cols_) / sizeof(cols_[0]));		\
} while (0)

static void
td(const struct report *r, const char *text)
{
	fputs("<td>", r->out);
	html_put(r->out, text && *text ? text : "-");
	fputs("</td>", r->out);
}

static void
td_num(const struct report *r, const char *text)
{
	fputs("<td class=\"n\">", r->out);
	html_put(r->out, text && *text ? text : "-");
	fputs("</td>", r->out);
}

static void
fmt_num(char *buf, size_t len, double v, int decimals)
{
	if (isnan(v) || isinf(v)) {
		snprintf(buf, len, "-");
		return;
	}
	/* no "-0.000" for a value that rounds to zero */
	if (fabs(v) * pow(10.0, decimals) < 0.5)
		v = 0.0;
	snprintf(buf, len, "%.*f", decimals, v);
}

/* "2026-11-24 06:00" (UTC, said in the head): the same in both languages. */
static void
fmt_time(char *buf, size_t len, time_t t)
{
	struct tm tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

/* In tables: "2026-11-24 06:00", the zone is said once in the head. */
static void
td_time(const struct report *r, time_t t)
{
	char buf[80];
	struct tm tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL) {
		fputs("<td>-</td>", r->out);
		return;
	}
	/* may wrap between the date and the time, never inside either */
	strftime(buf, sizeof(buf), "<span>%Y-%m-%d</span> <span>%H:%M</span>", &tm);
	fprintf(r->out, "<td class=\"t\">%s</td>", buf);
}

/* "3d 04h 05m", "2h 05m", "45s": the same in both languages. */
static void
fmt_duration(char *buf, size_t len, double secs)
{
	long long s;

	if (isnan(secs) || secs < 0) {
		snprintf(buf, len, "-");
		return;
	}
	s = (long long)llround(secs);
	if (s >= 86400)
		snprintf(buf, len, "%lldd %02lldh %02lldm", s / 86400, s % 86400 / 3600,
		    s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %02lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm %02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
}

/* The word for a status, state, severity or category; unknown ones as they are. */
static const char *
word(const struct report *r, const char *v)
{
	static const struct { const char *key; enum str id; } words[] = {
		{ "up", S_V_UP }, { "down", S_V_DOWN }, { "unknown", S_V_UNKNOWN },
		{ "open", S_V_OPEN }, { "acknowledged", S_V_ACKNOWLEDGED },
		{ "assigned", S_V_ASSIGNED }, { "resolved", S_V_RESOLVED },
		{ "closed", S_V_CLOSED }, { "critical", S_V_CRITICAL }, { "major", S_V_MAJOR },
		{ "minor", S_V_MINOR }, { "warning", S_V_WARNING }, { "info", S_V_INFO },
		{ "hardware", S_V_HARDWARE }, { "environment", S_V_ENVIRONMENT },
		{ "power", S_V_POWER }, { "availability", S_V_AVAILABILITY },
		{ "performance", S_V_PERFORMANCE }, { "capacity", S_V_CAPACITY },
		{ "security", S_V_SECURITY }, { "inspection", S_V_INSPECTION },
	};

	for (size_t i = 0; v && i < ARRAY_SIZE(words); i++)
		if (strcmp(v, words[i].key) == 0)
			return tr(r, words[i].id);
	return v ? v : "-";
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

static double
col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static sqlite3_stmt *
query(struct report *r, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
		if (!r->failed)
			snprintf(r->err, sizeof(r->err), "database: %s", sqlite3_errmsg(r->db));
		r->failed = 1;
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* After the rows: a failed step is an error of the report. */
static void
query_done(struct report *r, sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_DONE && rc != SQLITE_ROW && !r->failed) {
		snprintf(r->err, sizeof(r->err), "database: %s", sqlite3_errmsg(r->db));
		r->failed = 1;
	}
	sqlite3_finalize(st);
}

static void
section(const struct report *r, const char *id, enum str heading, int first)
{
	fprintf(r->out, "<section id=\"%s\"%s><h2>", id, first ? " class=\"first\"" : "");
	put_str(r, heading);
	fputs("</h2>\n", r->out);
}

static void
note(const struct report *r, enum str id)
{
	fputs("<p class=\"note\">", r->out);
	put_str(r, id);
	fputs("</p>\n", r->out);
}

static void
none_row(const struct report *r, int cols)
{
	fprintf(r->out, "<tr><td colspan=\"%d\">", cols);
	put_str(r, S_V_NONE);
	fputs("</td></tr>\n", r->out);
}

static void
advice(struct report *r, enum str id, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	fputs("<li>", r->out);
	say(r, id, a1, a2, a3, a4, NULL);
	fputs("</li>\n", r->out);
	r->n_advice++;
}

/* --- availability --- */

static int
interval_cmp(const void *a, const void *b)
{
	const struct report_interval *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

long long
report_downtime(struct report_interval *v, size_t n, time_t since, time_t until)
{
	long long total = 0;
	time_t cur_s = 0, cur_e = 0;
	int have = 0;

	if (until <= since || n == 0)
		return 0;
	qsort(v, n, sizeof(*v), interval_cmp);
	for (size_t i = 0; i < n; i++) {
		time_t s = v[i].start < since ? since : v[i].start;
		time_t e = v[i].end > until ? until : v[i].end;

		if (e <= s)
			continue;
		if (have && s <= cur_e) {
			if (e > cur_e)
				cur_e = e;
			continue;
		}
		if (have)
			total += (long long)(cur_e - cur_s);
		cur_s = s;
		cur_e = e;
		have = 1;
	}
	if (have)
		total += (long long)(cur_e - cur_s);
	return total;
}

static void
add_interval(struct report_interval **v, size_t *n, time_t s, time_t e)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].start = s;
	(*v)[*n].end = e;
	(*n)++;
}

/*
 * A device is down while one of its availability tickets is in an open
 * state, as its history tells (opened, reopened, resolved, linked to a
 * parent...), and while it is linked to a parent's open outage.
 */
static long long
device_downtime(struct report *r, const char *device, time_t from)
{
	struct report_interval *v = NULL;
	size_t n = 0;
	long long ticket = -1, down;
	time_t open_at = 0;
	int is_open = 0, rc;
	sqlite3_stmt *st;

	st = query(r, "SELECT h.ticket_id, h.time, h.state IN " OPEN_STATES
	    " FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id"
	    " WHERE t.device = ?1 AND t.category = 'availability' AND t.instance = '_'"
	    " AND h.time <= ?2 ORDER BY h.ticket_id, h.id");
	if (st == NULL)
		return 0;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		time_t t = (time_t)sqlite3_column_int64(st, 1);
		int open_now = sqlite3_column_int(st, 2);

		if (id != ticket) {
			if (is_open)
				add_interval(&v, &n, open_at, r->until);
			ticket = id;
			is_open = 0;
		}
		if (open_now && !is_open) {
			open_at = t;
			is_open = 1;
		} else if (!open_now && is_open) {
			add_interval(&v, &n, open_at, t);
			is_open = 0;
		}
	}
	if (is_open)
		add_interval(&v, &n, open_at, r->until);
	query_done(r, st, rc);
	st = query(r, "SELECT l.time, coalesce(l.cleared, ?2) FROM ticket_links l"
	    " JOIN tickets t ON t.id = l.ticket_id"
	    " WHERE l.device = ?1 AND l.instance = '_' AND t.category = 'availability'");
	if (st != NULL) {
		sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)r->until);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			add_interval(&v, &n, (time_t)sqlite3_column_int64(st, 0),
			    (time_t)sqlite3_column_int64(st, 1));
		query_done(r, st, rc);
	}
	down = report_downtime(v, n, from, r->until);
	free(v);
	return down;
}

static int
load_devices(struct report *r)
{
	sqlite3_stmt *st = query(r, "SELECT name, class, status, status_reason, created,"
	    " last_poll IS NOT NULL FROM devices ORDER BY name");
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct device_row *d;

		r->dev = xreallocarray(r->dev, r->n_dev + 1, sizeof(*r->dev));
		d = &r->dev[r->n_dev++];
		memset(d, 0, sizeof(*d));
		nocd_strlcpy(d->name, col_text(st, 0), sizeof(d->name));
		nocd_strlcpy(d->cls, col_text(st, 1), sizeof(d->cls));
		nocd_strlcpy(d->status, col_text(st, 2), sizeof(d->status));
		nocd_strlcpy(d->reason, col_text(st, 3), sizeof(d->reason));
		d->created = (time_t)sqlite3_column_int64(st, 4);
		d->polled = sqlite3_column_int(st, 5);
	}
	query_done(r, st, rc);
	for (size_t i = 0; i < r->n_dev; i++) {
		struct device_row *d = &r->dev[i];
		time_t from = d->created > r->since ? d->created : r->since;

		d->avail = NAN;
		/* never polled: nothing is known of it, not even that it was up */
		if (from >= r->until || !d->polled)
			continue;
		d->down_s = device_downtime(r, d->name, from);
		d->avail = 100.0 * (1.0 - (double)d->down_s / (double)(r->until - from));
	}
	return r->failed ? -1 : 0;
}

/* --- RRD archives --- */

struct acc {
	double min, max, wsum, w;
	double sx, sy, sxx, sxy, sw;	/* weighted least squares of value on days */
	double last;
	time_t last_t;
	long n;
};

static void
acc_init(struct acc *a)
{
	memset(a, 0, sizeof(*a));
	a->min = INFINITY;
	a->max = -INFINITY;
	a->last = NAN;
}

/*
 * Fold one fetch into a: values of the average archive give min, mean,
 * trend and last; with is_max, only the maximum is taken.
 */
static int
fetch_into(const char *path, const char *ds, const char *cf, time_t start, time_t end,
    struct acc *a, int is_max, time_t t0)
{
	unsigned long step = 1, ds_cnt = 0, k;
	char **names = NULL;
	rrd_value_t *data = NULL;
	time_t s = start, e = end;
	long rows;
	int found;

	if (e <= s)
		return 0;
	rrd_clear_error();
	if (rrd_fetch_r(path, cf, &s, &e, &step, &ds_cnt, &names, &data) != 0) {
		rrd_clear_error();
		return -1;
	}
	for (k = 0; k < ds_cnt; k++)
		if (strcmp(names[k], ds) == 0)
			break;
	found = k < ds_cnt;
	rows = step > 0 ? (long)((e - s) / (time_t)step) : 0;
	for (long i = 0; found && i < rows; i++) {
		double v = data[(unsigned long)i * ds_cnt + k];
		time_t t = s + (time_t)((unsigned long)(i + 1) * step);
		double x, w = (double)step;

		if (isnan(v) || t <= start || t > end)
			continue;
		if (is_max) {
			if (v > a->max)
				a->max = v;
			continue;
		}
		if (v < a->min)
			a->min = v;
		if (v > a->max)
			a->max = v;
		a->wsum += v * w;
		a->w += w;
		x = (double)(t - t0) / 86400.0;
		a->sx += w * x;
		a->sy += w * v;
		a->sxx += w * x * x;
		a->sxy += w * x * v;
		a->sw += w;
		if (t >= a->last_t) {
			a->last = v;
			a->last_t = t;
		}
		a->n++;
	}
	for (k = 0; k < ds_cnt; k++)
		free(names[k]);
	free(names);
	free(data);
	return found ? 0 : -1;
}

/*
 * Min, mean, max and trend of one data source over the period. The
 * full-resolution tier keeps two days: older parts of the period come from
 * the consolidated archives (their maxima for the maximum), the last two
 * days from the polls themselves, so a short period is exact and a fresh
 * file is not lost in half-empty 30-minute rows.
 */
static int
rrd_series(const struct report *r, const char *path, const char *ds, struct series *out)
{
	time_t raw_from = r->until - RAW_KEEP_S > r->since ? r->until - RAW_KEEP_S : r->since;
	struct acc a;
	double denom;

	acc_init(&a);
	if (r->conf->rrdcached[0])
		rrd_flush_file(r->conf->rrdcached, path);
	if (fetch_into(path, ds, "AVERAGE", raw_from, r->until, &a, 0, r->since) < 0)
		return -1;
	if (raw_from > r->since) {
		fetch_into(path, ds, "AVERAGE", r->since, raw_from, &a, 0, r->since);
		fetch_into(path, ds, "MAX", r->since, raw_from, &a, 1, r->since);
	}
	if (a.n == 0)
		return -1;
	out->min = a.min;
	out->max = a.max;
	out->avg = a.wsum / a.w;
	out->last = a.last;
	out->n = a.n;
	out->from_rrd = 1;
	denom = a.sw * a.sxx - a.sx * a.sx;
	out->slope_per_day = a.n >= 3 && fabs(denom) > 1e-12 ?
	    (a.sw * a.sxy - a.sx * a.sy) / denom : NAN;
	return 0;
}

static int
wanted(const struct mspec *sp, const char *kind)
{
	int inspection = strcmp(kind, "inspection") == 0;

	switch (sp->kind) {
	case MK_ROOM_TEMP: case MK_HUMIDITY: case MK_DEV_TEMP: case MK_UPS:
		return inspection;
	default:
		return !inspection;
	}
}

static const char *series_name(const struct series *s);
static double days_to_full(const struct series *s);

/*
 * A volume both in HOST-RESOURCES and in a vendor table (a NetApp's volumes
 * are in both) is shown once: the reading that fills it sooner.
 */
static void
drop_duplicate_volumes(struct report *r)
{
	size_t out = 0;

	for (size_t i = 0; i < r->n_s; i++) {
		const struct series *s = &r->s[i];
		int keep = 1;

		for (size_t j = 0; keep && s->spec->kind == MK_STORAGE && j < r->n_s; j++) {
			const struct series *o = &r->s[j];
			double ds, dox;

			if (j == i || o->spec->kind != MK_STORAGE || strcmp(o->device, s->device) != 0 ||
			    strcmp(series_name(o), series_name(s)) != 0)
				continue;
			ds = days_to_full(s);
			dox = days_to_full(o);
			/* the other is worse, or as bad and listed first */
			if (dox < ds || (dox == ds && j < i))
				keep = 0;
		}
		if (keep)
			r->s[out++] = r->s[i];
	}
	r->n_s = out;
}

/* Every instance of every metric the report needs, summarised. */
static int
load_series(struct report *r, const char *kind)
{
	for (size_t k = 0; k < ARRAY_SIZE(specs); k++) {
		const struct mspec *sp = &specs[k];
		sqlite3_stmt *st;
		regex_t re;
		int rc, have_re = 0;

		if (!wanted(sp, kind))
			continue;
		if (sp->instances) {
			if (regcomp(&re, sp->instances, REG_EXTENDED | REG_NOSUB) != 0)
				continue;
			have_re = 1;
		}
		st = query(r, "SELECT d.name, m.instance, coalesce(m.label, ''), m.value,"
		    " (SELECT w.value FROM metrics w WHERE w.device_id = m.device_id"
		    "  AND w.grp = m.grp AND w.instance = m.instance AND w.metric = ?3)"
		    " FROM metrics m JOIN devices d ON d.id = m.device_id"
		    " WHERE m.grp = ?1 AND m.metric = ?2"
		    " ORDER BY d.name, length(m.instance), m.instance");
		if (st == NULL) {
			if (have_re)
				regfree(&re);
			return -1;
		}
		sqlite3_bind_text(st, 1, sp->group, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sp->ds, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, sp->where_metric ? sp->where_metric : "", -1,
		    SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct series s;
			char path[4096];

			memset(&s, 0, sizeof(s));
			s.spec = sp;
			nocd_strlcpy(s.device, col_text(st, 0), sizeof(s.device));
			nocd_strlcpy(s.instance, col_text(st, 1), sizeof(s.instance));
			nocd_strlcpy(s.label, col_text(st, 2), sizeof(s.label));
			if (strcmp(s.instance, "_") == 0)
				nocd_strlcpy(s.display, sp->group, sizeof(s.display));
			else
				snprintf(s.display, sizeof(s.display), "%s %s", sp->group, s.instance);
			if (sp->where_metric && col_real(st, 4) != sp->where_value)
				continue;
			if (have_re && regexec(&re, s.label[0] ? s.label : s.instance, 0, NULL,
			    0) != 0)
				continue;
			if (rrd_path(r->conf->state_dir, s.device, sp->group, s.instance, path,
			    sizeof(path)) < 0 || rrd_series(r, path, sp->ds, &s) < 0) {
				/* no archive: the last polled value is all there is */
				s.last = s.min = s.avg = s.max = col_real(st, 3);
				s.slope_per_day = NAN;
				s.n = isnan(s.last) ? 0 : 1;
			}
			if (s.n == 0 || (sp->skip_zero && s.max == 0.0))
				continue;
			r->s = xreallocarray(r->s, r->n_s + 1, sizeof(*r->s));
			r->s[r->n_s++] = s;
		}
		query_done(r, st, rc);
		if (have_re)
			regfree(&re);
	}
	drop_duplicate_volumes(r);
	return r->failed ? -1 : 0;
}

/*
 * The instance as people know it: its label (interface, volume, sensor
 * name), else the group and index ("cpu 196608"), else for the one
 * instance of a scalar group ("_") the group, which tells the UPS-MIB's
 * figures from a vendor MIB's.
 */
static const char *
series_name(const struct series *s)
{
	return s->label[0] ? s->label : s->display;
}

/* --- the document --- */

static const char css[] =
	"@page { size: A4; margin: 14mm 12mm 16mm 12mm; }\n"
	"html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
	"body { font-family: \"Noto Sans CJK SC\", \"Noto Sans SC\", \"WenQuanYi Micro Hei\","
	" \"Source Han Sans SC\", \"Microsoft YaHei\", \"PingFang SC\", \"DejaVu Sans\","
	" sans-serif; font-size: 9.5pt; color: #111; line-height: 1.35; }\n"
	"@media screen { body { max-width: 200mm; margin: 1em auto; padding: 0 1em; } }\n"
	"h1 { font-size: 17pt; margin: 0 0 6pt; }\n"
	"h2 { font-size: 12.5pt; border-bottom: 1.5pt solid #345; padding-bottom: 2pt;"
	" margin: 0 0 6pt; page-break-after: avoid; break-after: avoid; }\n"
	"section { page-break-before: always; break-before: page; }\n"
	"section.first { page-break-before: auto; break-before: auto; margin-top: 10pt; }\n"
	"table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; font-size: 8.5pt; }\n"
	"thead { display: table-header-group; }\n"
	"tr { page-break-inside: avoid; break-inside: avoid; }\n"
	"th, td { border: 0.6pt solid #888; padding: 2pt 4pt; text-align: left;"
	" vertical-align: top; overflow-wrap: break-word; }\n"
	"th { background: #e8edf2; font-weight: bold; }\n"
	"td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }\n"
	"td.t span, td.k { white-space: nowrap; }\n"
	"table.meta { width: auto; } table.meta th { width: 16em; }\n"
	".bad { color: #b00000; font-weight: bold; } .warn { color: #9a5b00; }\n"
	".note { color: #444; font-size: 8.5pt; }\n"
	"small { color: #555; }\n"
	"footer { margin-top: 12pt; color: #666; font-size: 8pt; }\n";

static void
doc_head(const struct report *r, enum str title)
{
	fprintf(r->out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"generator\" content=\"nocd " PACKAGE_VERSION "\">\n<title>",
	    r->zh ? "zh-CN" : "en");
	put_str(r, title);
	fprintf(r->out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
	put_str(r, title);
	fputs("</h1>\n", r->out);
}

static void
meta_row(const struct report *r, enum str label, const char *value)
{
	fputs("<tr>", r->out);
	th(r, label);
	td(r, value);
	fputs("</tr>\n", r->out);
}

/* "server 2 · switch 1 · (not classified) 1" */
static void
meta_by_class(struct report *r)
{
	sqlite3_stmt *st = query(r, "SELECT class, count(*) FROM devices GROUP BY class"
	    " ORDER BY class = '', class");
	int rc, n = 0;

	if (st == NULL)
		return;
	fputs("<tr>", r->out);
	th(r, S_BY_CLASS);
	fputs("<td>", r->out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++)
			fputs(" · ", r->out);
		html_put(r->out, col_text(st, 0)[0] ? col_text(st, 0) : tr(r, S_V_UNCLASSIFIED));
		fprintf(r->out, " %lld", (long long)sqlite3_column_int64(st, 1));
	}
	query_done(r, st, rc);
	fputs(n ? "</td></tr>\n" : "-</td></tr>\n", r->out);
}

/* Where, when and over what: the head of both reports. */
static void
doc_meta(struct report *r)
{
	char host[256] = "", buf[128], a[48], b[48];
	long long polls = 0;
	time_t first = 0, last = 0;
	sqlite3_stmt *st;

	if (gethostname(host, sizeof(host) - 1) < 0)
		nocd_strlcpy(host, "-", sizeof(host));
	st = query(r, "SELECT coalesce(sum(polls), 0), min(last_poll),"
	    " max(last_poll) FROM devices");
	if (st != NULL) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			polls = sqlite3_column_int64(st, 0);
			first = (time_t)sqlite3_column_int64(st, 1);
			last = (time_t)sqlite3_column_int64(st, 2);
		}
		sqlite3_finalize(st);
	}
	fputs("<table class=\"meta\">\n", r->out);
	meta_row(r, S_OPS_BOX, host);
	meta_row(r, S_STATE_DIR, r->conf->state_dir);
	fmt_time(a, sizeof(a), r->since);
	fmt_time(b, sizeof(b), r->until);
	snprintf(buf, sizeof(buf), "%s – %s UTC", a, b);
	meta_row(r, S_PERIOD, buf);
	fmt_time(a, sizeof(a), r->now);
	snprintf(buf, sizeof(buf), "%s UTC", a);
	meta_row(r, S_GENERATED, buf);
	snprintf(buf, sizeof(buf), "%zu", r->n_dev);
	meta_row(r, S_N_DEVICES, buf);
	snprintf(buf, sizeof(buf), "%lld", polls);
	meta_row(r, S_N_POLLS, buf);
	fmt_time(a, sizeof(a), first);
	fmt_time(b, sizeof(b), last);
	snprintf(buf, sizeof(buf), "%s – %s UTC", a, b);
	meta_row(r, S_LAST_POLLS, buf);
	meta_by_class(r);
	st = query(r, "SELECT count(*) FROM metrics");
	if (st != NULL) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(buf, sizeof(buf), "%lld", (long long)sqlite3_column_int64(st, 0));
			meta_row(r, S_N_ITEMS, buf);
		}
		sqlite3_finalize(st);
	}
	fputs("</table>\n", r->out);
}

static void
doc_tail(const struct report *r)
{
	fputs("<footer>", r->out);
	put_str(r, S_FOOTER);
	fputs("</footer>\n</body>\n</html>\n", r->out);
}

static const char *
status_class(const char *status)
{
	return strcmp(status, "down") == 0 ? "bad" : strcmp(status, "up") == 0 ? "" : "warn";
}

/* Name, address and what it says it is (cut short: a sysDescr can be long). */
static void
device_cell(const struct report *r, const char *name, const char *address, int port,
    const char *system)
{
	char buf[300];

	fputs("<td>", r->out);
	html_put(r->out, name);
	snprintf(buf, sizeof(buf), " (%s:%d)", address, port);
	fputs("<small>", r->out);
	html_put(r->out, buf);
	fputs("</small>", r->out);
	if (system[0]) {
		fputs("<br><small>", r->out);
		html_put_max(r->out, system, 90);
		fputs("</small>", r->out);
	}
	fputs("</td>", r->out);
}

/* Availability % and downtime; "-" where nothing is known. */
static void
avail_cells(const struct report *r, const struct device_row *d)
{
	char t[48];

	if (d == NULL || isnan(d->avail)) {
		td_num(r, "-");
		td_num(r, "-");
		return;
	}
	fmt_num(t, sizeof(t), d->avail, 2);
	fprintf(r->out, "<td class=\"n %s\">", d->avail < AVAIL_TARGET ? "bad" : "");
	html_put(r->out, t);
	fputs(" %</td>", r->out);
	fmt_duration(t, sizeof(t), (double)d->down_s);
	td_num(r, t);
}

/* Inspection: every device, its status and availability over the period. */
static void
sec_status(struct report *r)
{
	sqlite3_stmt *st;
	int rc;
	size_t i = 0;

	section(r, "status", S_H_STATUS, 0);
	THEAD(r, S_C_DEVICE, S_C_CLASS, S_C_LOCATION, S_C_STATUS, S_C_LAST_POLL, S_C_POLLS,
	    S_C_AVAIL, S_C_DOWNTIME);
	st = query(r, "SELECT name, address, port, location, sys_location, status,"
	    " status_since, last_poll, polls, polls_failed,"
	    " trim(coalesce(sys_name, '') || ' ' || coalesce(sys_descr, ''))"
	    " FROM devices ORDER BY name");
	if (st == NULL)
		return;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct device_row *d = NULL;
		char buf[64], t[48];

		/* both lists are ordered by name: walk them together */
		for (; i < r->n_dev; i++)
			if (strcmp(r->dev[i].name, col_text(st, 0)) == 0) {
				d = &r->dev[i];
				break;
			}
		fputs("<tr>", r->out);
		device_cell(r, col_text(st, 0), col_text(st, 1), sqlite3_column_int(st, 2),
		    col_text(st, 10));
		td(r, d && d->cls[0] ? d->cls : tr(r, S_V_UNCLASSIFIED));
		td(r, col_text(st, 3)[0] ? col_text(st, 3) : col_text(st, 4));
		fprintf(r->out, "<td><span class=\"%s\">", status_class(col_text(st, 5)));
		html_put(r->out, word(r, col_text(st, 5)));
		fputs("</span>", r->out);
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			fmt_time(t, sizeof(t), (time_t)sqlite3_column_int64(st, 6));
			fputs("<br><small>", r->out);
			say(r, S_V_SINCE, t, NULL, NULL, NULL, NULL);
			fputs("</small>", r->out);
		}
		fputs("</td>", r->out);
		if (sqlite3_column_type(st, 7) == SQLITE_NULL)
			td(r, tr(r, S_V_NOT_POLLED));
		else
			td_time(r, (time_t)sqlite3_column_int64(st, 7));
		snprintf(buf, sizeof(buf), "%lld (%lld)", (long long)sqlite3_column_int64(st, 8),
		    (long long)sqlite3_column_int64(st, 9));
		td_num(r, buf);
		avail_cells(r, d);
		fputs("</tr>\n", r->out);
	}
	query_done(r, st, rc);
	if (r->n_dev == 0)
		none_row(r, 8);
	fputs("</tbody></table>\n", r->out);
	note(r, S_N_AVAIL);
	fputs("</section>\n", r->out);
}

/* The operators' steps of a ticket: who did what, when, with which note. */
static void
ticket_handling(struct report *r, long long id)
{
	sqlite3_stmt *st = query(r, "SELECT time, who, action, note FROM ticket_history"
	    " WHERE ticket_id = ?1 AND who <> 'nocd' ORDER BY id");
	int rc, n = 0;

	fputs("<td>", r->out);
	if (st == NULL) {
		fputs("</td>", r->out);
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char t[48];

		if (n++)
			fputs("<br>", r->out);
		fmt_time(t, sizeof(t), (time_t)sqlite3_column_int64(st, 0));
		html_put(r->out, t);
		fputs(" ", r->out);
		html_put(r->out, col_text(st, 1));
		fputs(" ", r->out);
		html_put(r->out, col_text(st, 2));
		if (col_text(st, 3)[0]) {
			fputs(": ", r->out);
			html_put(r->out, col_text(st, 3));
		}
	}
	query_done(r, st, rc);
	if (n == 0)
		fputs("-", r->out);
	fputs("</td>", r->out);
}

/* One ticket: id, opened, device, category, severity, problem, state, handling. */
static void
ticket_row(struct report *r, sqlite3_stmt *st)
{
	char buf[160], t[48];
	const char *sev = col_text(st, 4);

	fputs("<tr>", r->out);
	snprintf(buf, sizeof(buf), "%lld", (long long)sqlite3_column_int64(st, 0));
	td_num(r, buf);
	td_time(r, (time_t)sqlite3_column_int64(st, 1));
	td(r, col_text(st, 2));
	td(r, word(r, col_text(st, 3)));
	fprintf(r->out, "<td class=\"k %s\">", strcmp(sev, "critical") == 0 ? "bad" :
	    strcmp(sev, "major") == 0 ? "warn" : "");
	html_put(r->out, word(r, sev));
	fputs("</td>", r->out);
	fputs("<td>", r->out);
	html_put(r->out, col_text(st, 6));
	if (sqlite3_column_int64(st, 11) > 1)
		fprintf(r->out, " <small>(×%lld)</small>",
		    (long long)sqlite3_column_int64(st, 11));
	fputs("</td>", r->out);
	fputs("<td class=\"k\">", r->out);
	html_put(r->out, word(r, col_text(st, 5)));
	if (sqlite3_column_int(st, 10)) {
		fputs("<br><span class=\"bad\">", r->out);
		put_str(r, S_V_SLA);
		fputs("</span>", r->out);
	}
	fputs("</td>", r->out);
	if (sqlite3_column_type(st, 7) == SQLITE_NULL)
		td(r, "-");
	else {
		fmt_time(t, sizeof(t), (time_t)sqlite3_column_int64(st, 7));
		fputs("<td>", r->out);
		html_put(r->out, t);
		fputs("<br>", r->out);
		html_put(r->out, col_text(st, 8));
		fputs("</td>", r->out);
	}
	if (sqlite3_column_type(st, 9) == SQLITE_NULL)
		td(r, "-");
	else
		td_time(r, (time_t)sqlite3_column_int64(st, 9));
	ticket_handling(r, sqlite3_column_int64(st, 0));
	fputs("</tr>\n", r->out);
}

/*
 * Tickets opened in the period; categories: NULL for all, else an SQL list
 * such as "('hardware', 'power')" (ours, never from input).
 */
static void
ticket_table(struct report *r, const char *categories)
{
	char sql[1024];
	sqlite3_stmt *st;
	int rc, n = 0, more = 0;

	snprintf(sql, sizeof(sql), "SELECT id, first_seen, device, category, severity, state,"
	    " title, acked_at, acked_by, resolved_at, sla_breached, count FROM tickets"
	    " WHERE first_seen >= ?1 AND first_seen <= ?2%s%s ORDER BY first_seen, id",
	    categories ? " AND category IN " : "", categories ? categories : "");
	THEAD(r, S_C_ID, S_C_OPENED, S_C_DEVICE, S_C_CATEGORY, S_C_SEVERITY, S_C_TITLE,
	    S_C_STATE, S_C_ACKED, S_C_RESOLVED, S_C_HANDLING);
	if ((st = query(r, sql)) == NULL) {
		fputs("</tbody></table>\n", r->out);
		return;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->since);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n >= MAX_TICKET_ROWS) {
			more++;
			continue;
		}
		n++;
		ticket_row(r, st);
	}
	query_done(r, st, rc);
	if (n == 0)
		none_row(r, 10);
	fputs("</tbody></table>\n", r->out);
	if (more) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", more);
		fputs("<p class=\"note\">", r->out);
		say(r, S_V_MORE, buf, NULL, NULL, NULL, NULL);
		fputs("</p>\n", r->out);
	}
}

/* "critical 2 · major 1": counts of one ticket column in the period. */
static void
ticket_counts(struct report *r, const char *column, enum str label)
{
	char sql[256];
	sqlite3_stmt *st;
	int rc, n = 0;

	snprintf(sql, sizeof(sql), "SELECT %s, count(*) FROM tickets WHERE first_seen >= ?1"
	    " AND first_seen <= ?2 GROUP BY 1 ORDER BY 2 DESC, 1", column);
	if ((st = query(r, sql)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->since);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->until);
	fputs("<p>", r->out);
	put_str(r, label);
	fputs(": ", r->out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++)
			fputs(" · ", r->out);
		html_put(r->out, word(r, col_text(st, 0)));
		fprintf(r->out, " %lld", (long long)sqlite3_column_int64(st, 1));
	}
	query_done(r, st, rc);
	if (n == 0)
		fputs("-", r->out);
	fputs("</p>\n", r->out);
}

static void
sec_problems(struct report *r)
{
	sqlite3_stmt *st;

	section(r, "problems", S_H_PROBLEMS, 0);
	st = query(r, "SELECT count(*), coalesce(sum(state IN " OPEN_STATES "), 0),"
	    " avg(acked_at - first_seen), avg(resolved_at - first_seen),"
	    " coalesce(sum(sla_breached), 0) FROM tickets WHERE first_seen >= ?1"
	    " AND first_seen <= ?2");
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)r->since);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)r->until);
		if (sqlite3_step(st) == SQLITE_ROW) {
			char total[24], open[24], mtta[32], mttr[32], sla[24];

			snprintf(total, sizeof(total), "%lld", (long long)sqlite3_column_int64(st, 0));
			snprintf(open, sizeof(open), "%lld", (long long)sqlite3_column_int64(st, 1));
			fmt_duration(mtta, sizeof(mtta), col_real(st, 2));
			fmt_duration(mttr, sizeof(mttr), col_real(st, 3));
			snprintf(sla, sizeof(sla), "%lld", (long long)sqlite3_column_int64(st, 4));
			fputs("<p>", r->out);
			say(r, S_PROBLEMS_SUMMARY, total, open, mtta, mttr, sla);
			fputs("</p>\n", r->out);
		}
		sqlite3_finalize(st);
	}
	ticket_counts(r, "severity", S_V_BY_SEVERITY);
	ticket_counts(r, "category", S_V_BY_CATEGORY);
	ticket_table(r, NULL);
	fputs("</section>\n", r->out);
}

static void
sec_environment(struct report *r)
{
	int n = 0;

	section(r, "environment", S_H_ENV, 0);
	THEAD(r, S_C_DEVICE, S_C_MEASURE, S_C_SENSOR, S_C_MIN, S_C_AVG, S_C_MAX, S_C_UNIT,
	    S_C_SAMPLES, S_C_SOURCE);
	/* room first, then devices' own temperatures, then UPS figures */
	for (int kind = MK_ROOM_TEMP; kind <= MK_UPS; kind++) {
		for (size_t i = 0; i < r->n_s; i++) {
			const struct series *s = &r->s[i];
			char a[32], b[32], c[32], d[32];
			int out_of_range = 0;

			if ((int)s->spec->kind != kind)
				continue;
			if (kind == MK_ROOM_TEMP)
				out_of_range = s->max > ROOM_TEMP_MAX || s->min < ROOM_TEMP_MIN;
			else if (kind == MK_HUMIDITY)
				out_of_range = s->max > HUMIDITY_MAX || s->min < HUMIDITY_MIN;
			n++;
			fputs("<tr>", r->out);
			td(r, s->device);
			td(r, tr(r, s->spec->label));
			td(r, series_name(s));
			fmt_num(a, sizeof(a), s->min, 1);
			fmt_num(b, sizeof(b), s->avg, 1);
			fmt_num(c, sizeof(c), s->max, 1);
			td_num(r, a);
			td_num(r, b);
			fprintf(r->out, "<td class=\"n%s\">", out_of_range ? " bad" : "");
			html_put(r->out, c);
			fputs("</td>", r->out);
			td(r, s->spec->unit);
			snprintf(d, sizeof(d), "%ld", s->n);
			td_num(r, d);
			td(r, tr(r, s->from_rrd ? S_V_RRD : S_V_LAST));
			fputs("</tr>\n", r->out);
		}
	}
	if (n == 0)
		none_row(r, 9);
	fputs("</tbody></table>\n", r->out);
	note(r, S_N_ENV);
	fputs("</section>\n", r->out);
}

/* A comma-separated list of "#id device" of the tickets a query returns. */
static int
ticket_list(struct report *r, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st = query(r, sql);
	int rc, n = 0;
	size_t used = 0;

	buf[0] = '\0';
	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->since);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n < 10 && used < len) {
			int w = snprintf(buf + used, len - used, "%s#%lld %s", n ? ", " : "",
			    (long long)sqlite3_column_int64(st, 0), col_text(st, 1));

			used += w > 0 ? (size_t)w : 0;
		} else if (n == 10 && used < len) {
			int w = snprintf(buf + used, len - used, ", …");

			used += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	query_done(r, st, rc);
	return n;
}

/* The one number a query over the period's tickets (?1, ?2) returns. */
static long long
period_count(struct report *r, const char *sql)
{
	sqlite3_stmt *st = query(r, sql);
	long long v = 0;
	int rc;

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->since);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->until);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	query_done(r, st, rc);
	return v;
}

/* A UPS's power tickets of the period (or still open), or a battery that ran low. */
static void
advice_ups(struct report *r, const char *dev)
{
	char buf[1024] = "";
	size_t used = 0;
	int rc, charge = 0, minutes = 0;
	sqlite3_stmt *st = query(r, "SELECT DISTINCT title FROM tickets WHERE device = ?1"
	    " AND category = 'power' AND first_seen <= ?3 AND (first_seen >= ?2"
	    " OR state IN " OPEN_STATES ") ORDER BY id LIMIT 5");

	if (st == NULL)
		return;
	sqlite3_bind_text(st, 1, dev, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->since);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && used < sizeof(buf)) {
		int w = snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? "; " : "",
		    col_text(st, 0));

		used += w > 0 ? (size_t)w : 0;
	}
	query_done(r, st, rc);
	for (size_t k = 0; k < r->n_s && used < sizeof(buf); k++) {
		const struct series *s = &r->s[k];
		char v[32];
		int w = 0;

		if (strcmp(s->device, dev) != 0)
			continue;
		fmt_num(v, sizeof(v), s->min, 0);
		/* the UPS-MIB and a vendor MIB may both tell: say it once */
		if (s->spec->label == S_M_UPS_CHARGE && s->min < 50.0 && !charge++)
			w = snprintf(buf + used, sizeof(buf) - used, "%s%s %s %%", used ? "; " : "",
			    tr(r, S_M_UPS_CHARGE), v);
		else if (s->spec->label == S_M_UPS_MINUTES && s->min < 10.0 && !minutes++)
			w = snprintf(buf + used, sizeof(buf) - used, "%s%s %s min", used ? "; " : "",
			    tr(r, S_M_UPS_MINUTES), v);
		used += w > 0 ? (size_t)w : 0;
	}
	if (used > 0)
		advice(r, S_A_UPS, dev, buf, NULL, NULL);
}

static void
advice_inspection(struct report *r)
{
	char buf[1024], num[32];
	long long sla;
	int n;

	for (size_t i = 0; i < r->n_dev; i++) {
		const struct device_row *d = &r->dev[i];

		if (!isnan(d->avail) && d->avail < AVAIL_TARGET) {
			fmt_num(num, sizeof(num), d->avail, 2);
			advice(r, S_A_AVAIL, d->name, num, NULL, NULL);
		}
		if (strcmp(d->status, "down") == 0)
			advice(r, S_A_DOWN_NOW, d->name, d->reason[0] ? d->reason : "-", NULL, NULL);
	}
	n = ticket_list(r, "SELECT id, device FROM tickets WHERE state = 'open'"
	    " AND severity = 'critical' AND ?1 = ?1 AND ?2 = ?2 ORDER BY id", buf, sizeof(buf));
	if (n > 0) {
		snprintf(num, sizeof(num), "%d", n);
		advice(r, S_A_UNACKED, num, buf, NULL, NULL);
	}
	for (size_t i = 0; i < r->n_s; i++) {
		const struct series *s = &r->s[i];
		char a[32], b[32];

		if (s->spec->kind == MK_ROOM_TEMP && s->max > ROOM_TEMP_MAX) {
			fmt_num(a, sizeof(a), s->max, 1);
			advice(r, S_A_TEMP_HIGH, s->device, series_name(s), a, NULL);
		} else if (s->spec->kind == MK_ROOM_TEMP && s->min < ROOM_TEMP_MIN) {
			fmt_num(a, sizeof(a), s->min, 1);
			advice(r, S_A_TEMP_LOW, s->device, series_name(s), a, NULL);
		} else if (s->spec->kind == MK_HUMIDITY && (s->max > HUMIDITY_MAX ||
		    s->min < HUMIDITY_MIN)) {
			fmt_num(a, sizeof(a), s->min, 1);
			fmt_num(b, sizeof(b), s->max, 1);
			advice(r, S_A_HUMIDITY, s->device, series_name(s), a, b);
		}
	}
	for (size_t i = 0; i < r->n_dev && !r->failed; i++)
		advice_ups(r, r->dev[i].name);
	sla = period_count(r, "SELECT coalesce(sum(sla_breached), 0) FROM tickets"
	    " WHERE first_seen >= ?1 AND first_seen <= ?2");
	if (sla > 0) {
		snprintf(num, sizeof(num), "%lld", sla);
		advice(r, S_A_SLA, num, NULL, NULL, NULL);
	}
}

static void
sec_advice_begin(struct report *r)
{
	section(r, "advice", S_H_ADVICE, 0);
	fputs("<ol>\n", r->out);
	r->n_advice = 0;
}

static void
sec_advice_end(struct report *r)
{
	if (r->n_advice == 0) {
		fputs("<li>", r->out);
		put_str(r, S_A_NONE);
		fputs("</li>\n", r->out);
	}
	fputs("</ol>\n</section>\n", r->out);
}

static void
inspection(struct report *r)
{
	doc_head(r, S_TITLE_INSPECTION);
	section(r, "checked", S_H_CHECKED, 1);
	doc_meta(r);
	fputs("</section>\n", r->out);
	sec_status(r);
	sec_problems(r);
	sec_environment(r);
	sec_advice_begin(r);
	advice_inspection(r);
	sec_advice_end(r);
	doc_tail(r);
}

/* --- hardware maintenance --- */

static void
sec_summary(struct report *r)
{
	sqlite3_stmt *st;
	int rc, n = 0;
	long long tot[5] = { 0 };

	section(r, "summary", S_H_SUMMARY, 1);
	doc_meta(r);
	THEAD(r, S_C_CLASS, S_C_DEVICES, S_C_UP, S_C_DOWN, S_C_UNKNOWN, S_C_OPEN_TICKETS);
	st = query(r, "SELECT d.class, count(*), sum(d.status = 'up'), sum(d.status = 'down'),"
	    " sum(d.status NOT IN ('up', 'down')),"
	    " coalesce(sum((SELECT count(*) FROM tickets t WHERE t.device = d.name"
	    "  AND t.state IN " OPEN_STATES ")), 0)"
	    " FROM devices d GROUP BY d.class ORDER BY d.class = '', d.class");
	if (st != NULL) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			char buf[24];

			fputs("<tr>", r->out);
			td(r, col_text(st, 0)[0] ? col_text(st, 0) : tr(r, S_V_UNCLASSIFIED));
			for (int c = 1; c <= 5; c++) {
				long long v = sqlite3_column_int64(st, c);

				tot[c - 1] += v;
				snprintf(buf, sizeof(buf), "%lld", v);
				if (c == 3 && v > 0)
					fprintf(r->out, "<td class=\"n bad\">%lld</td>", v);
				else
					td_num(r, buf);
			}
			fputs("</tr>\n", r->out);
			n++;
		}
		query_done(r, st, rc);
	}
	if (n == 0)
		none_row(r, 6);
	else {
		fputs("<tr><th>", r->out);
		put_str(r, S_V_TOTAL);
		fputs("</th>", r->out);
		for (int c = 0; c < 5; c++)
			fprintf(r->out, "<th class=\"n\">%lld</th>", tot[c]);
		fputs("</tr>\n", r->out);
	}
	fputs("</tbody></table>\n</section>\n", r->out);
}

static void
sec_faults(struct report *r)
{
	section(r, "faults", S_H_FAULTS, 0);
	note(r, S_N_FAULTS);
	ticket_table(r, "('hardware', 'power', 'environment')");
	fputs("</section>\n", r->out);
}

/* Mean of the instances' averages and the highest peak, of one kind on one device. */
struct agg {
	double avg_sum, peak;
	int n;
	const struct series *at;
};

static void
aggregate(const struct report *r, const char *device, enum mkind kind, struct agg *g)
{
	memset(g, 0, sizeof(*g));
	g->peak = NAN;
	for (size_t i = 0; i < r->n_s; i++) {
		const struct series *s = &r->s[i];

		if (s->spec->kind != kind || strcmp(s->device, device) != 0)
			continue;
		g->avg_sum += s->avg;
		g->n++;
		if (isnan(g->peak) || s->max > g->peak) {
			g->peak = s->max;
			g->at = s;
		}
	}
}

static void
td_agg(const struct report *r, const struct agg *g, int show_where)
{
	char a[32], b[32];

	if (g->n == 0) {
		td_num(r, "-");
		return;
	}
	fmt_num(a, sizeof(a), g->avg_sum / g->n, 1);
	fmt_num(b, sizeof(b), g->peak, 1);
	fprintf(r->out, "<td class=\"n%s\">", g->peak >= 90.0 ? " bad" : "");
	html_put(r->out, a);
	fputs(" / ", r->out);
	html_put(r->out, b);
	if (show_where && g->at && g->n > 1) {
		fputs("<br><small>", r->out);
		say(r, S_V_PEAK_AT, series_name(g->at), NULL, NULL, NULL, NULL);
		fputs("</small>", r->out);
	}
	fputs("</td>", r->out);
}

static void
sec_performance(struct report *r)
{
	int n = 0;

	section(r, "performance", S_H_PERF, 0);
	THEAD(r, S_C_DEVICE, S_C_CLASS, S_C_CPU, S_C_MEM, S_C_IF, S_C_STORAGE);
	for (size_t i = 0; i < r->n_dev; i++) {
		const struct device_row *d = &r->dev[i];
		struct agg cpu, mem, ifs, sto;

		aggregate(r, d->name, MK_CPU, &cpu);
		aggregate(r, d->name, MK_MEM, &mem);
		aggregate(r, d->name, MK_IF, &ifs);
		aggregate(r, d->name, MK_STORAGE, &sto);
		if (cpu.n + mem.n + ifs.n + sto.n == 0)
			continue;
		n++;
		fputs("<tr>", r->out);
		td(r, d->name);
		td(r, d->cls[0] ? d->cls : tr(r, S_V_UNCLASSIFIED));
		td_agg(r, &cpu, 1);
		td_agg(r, &mem, 1);
		td_agg(r, &ifs, 1);
		td_agg(r, &sto, 1);
		fputs("</tr>\n", r->out);
	}
	if (n == 0)
		none_row(r, 6);
	fputs("</tbody></table>\n", r->out);
	note(r, S_N_PERF);
	fputs("</section>\n", r->out);
}

/* Days until 100 %, from the last value and the trend; INFINITY if not growing. */
static double
days_to_full(const struct series *s)
{
	double now = isnan(s->last) ? s->max : s->last;

	if (isnan(s->slope_per_day) || s->slope_per_day <= 1e-9)
		return INFINITY;
	return now >= 100.0 ? 0.0 : (100.0 - now) / s->slope_per_day;
}

static int
capacity_cmp(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;
	double dx = days_to_full(x), dy = days_to_full(y);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return x->last > y->last ? -1 : x->last < y->last;
}

static void
sec_capacity(struct report *r)
{
	const struct series **v = xcalloc(r->n_s + 1, sizeof(*v));
	size_t n = 0;

	section(r, "capacity", S_H_CAPACITY, 0);
	for (size_t i = 0; i < r->n_s; i++)
		if (r->s[i].spec->kind == MK_STORAGE)
			v[n++] = &r->s[i];
	qsort(v, n, sizeof(*v), capacity_cmp);
	THEAD(r, S_C_DEVICE, S_C_VOLUME, S_C_USED_NOW, S_C_MAX, S_C_GROWTH, S_C_DAYS_FULL);
	for (size_t i = 0; i < n; i++) {
		const struct series *s = v[i];
		double days = days_to_full(s);
		char a[32], b[32], c[32], d[32];

		fmt_num(a, sizeof(a), isnan(s->last) ? s->max : s->last, 1);
		fmt_num(b, sizeof(b), s->max, 1);
		fmt_num(c, sizeof(c), s->slope_per_day, 3);
		fputs("<tr>", r->out);
		td(r, s->device);
		td(r, series_name(s));
		fprintf(r->out, "<td class=\"n%s\">", (isnan(s->last) ? s->max : s->last) >= 90.0 ?
		    " bad" : "");
		html_put(r->out, a);
		fputs("</td>", r->out);
		td_num(r, b);
		td_num(r, c);
		if (isinf(days)) {
			fputs("<td>", r->out);
			put_str(r, S_V_NOT_GROWING);
			fputs("</td>", r->out);
		} else {
			fmt_num(d, sizeof(d), days, days < 10 ? 1 : 0);
			fprintf(r->out, "<td class=\"n%s\">", days < 30 ? " bad" : "");
			html_put(r->out, d);
			fputs("</td>", r->out);
		}
		fputs("</tr>\n", r->out);
	}
	if (n == 0)
		none_row(r, 6);
	fputs("</tbody></table>\n", r->out);
	note(r, S_N_CAP);
	fputs("</section>\n", r->out);
	free(v);
}

/* YYYY-MM-DD as midnight UTC; -1 if it is not such a date. */
static time_t
parse_date(const char *s)
{
	struct tm tm;
	const char *end;

	if (s == NULL || strlen(s) < 10)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return timegm(&tm);
}

static void
sec_ageing(struct report *r)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	section(r, "ageing", S_H_AGEING, 0);
	THEAD(r, S_C_DEVICE, S_C_CLASS, S_C_SYSTEM, S_C_ASSET_TAG, S_C_PURCHASE, S_C_AGE,
	    S_C_WARRANTY, S_C_WSTATUS);
	st = query(r, "SELECT d.name, d.class, trim(coalesce(d.vendor, '') || ' ' ||"
	    " coalesce(d.model, '')), coalesce(a.asset_tag, ''), coalesce(a.purchase_date, ''),"
	    " coalesce(a.warranty_end, '') FROM devices d LEFT JOIN assets a ON a.device = d.name"
	    " ORDER BY a.warranty_end IS NULL OR a.warranty_end = '', a.warranty_end, d.name");
	if (st != NULL) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			time_t bought = parse_date(col_text(st, 4)), ends = parse_date(col_text(st, 5));
			char age[32] = "-";
			enum str ws = S_V_NO_ASSET;
			const char *cls = "";

			if (bought >= 0)
				fmt_num(age, sizeof(age), (double)(r->until - bought) / (365.25 * 86400),
				    1);
			if (ends >= 0) {
				if (ends < r->until) {
					ws = S_V_EXPIRED;
					cls = "bad";
				} else if ((long long)(ends - r->until) <= WARRANTY_SOON_S) {
					ws = S_V_ENDING;
					cls = "warn";
				} else
					ws = S_V_IN_WARRANTY;
			}
			n++;
			fputs("<tr>", r->out);
			td(r, col_text(st, 0));
			td(r, col_text(st, 1)[0] ? col_text(st, 1) : tr(r, S_V_UNCLASSIFIED));
			td(r, col_text(st, 2));
			td(r, col_text(st, 3));
			td(r, col_text(st, 4));
			td_num(r, age);
			td(r, col_text(st, 5));
			fprintf(r->out, "<td class=\"%s\">", cls);
			put_str(r, ws);
			fputs("</td></tr>\n", r->out);
		}
		query_done(r, st, rc);
	}
	if (n == 0)
		none_row(r, 8);
	fputs("</tbody></table>\n", r->out);
	note(r, S_N_AGE);
	fputs("</section>\n", r->out);
}

static void
advice_hardware(struct report *r)
{
	char buf[1024], num[32], a[32], b[32];
	sqlite3_stmt *st;
	int n, rc;

	n = ticket_list(r, "SELECT id, device FROM tickets WHERE state IN " OPEN_STATES
	    " AND category IN ('hardware', 'power', 'environment') AND rule <> 'warranty_ending'"
	    " AND first_seen <= ?2 AND ?1 = ?1 ORDER BY id", buf, sizeof(buf));
	if (n > 0) {
		snprintf(num, sizeof(num), "%d", n);
		advice(r, S_A_OPEN_FAULTS, num, buf, NULL, NULL);
	}
	for (size_t i = 0; i < r->n_dev; i++) {
		const struct device_row *d = &r->dev[i];
		struct agg g;

		aggregate(r, d->name, MK_CPU, &g);
		if (g.n > 0 && (g.peak >= 90.0 || g.avg_sum / g.n >= 70.0)) {
			fmt_num(a, sizeof(a), g.peak, 1);
			fmt_num(b, sizeof(b), g.avg_sum / g.n, 1);
			advice(r, S_A_CPU, d->name, a, b, NULL);
		}
		aggregate(r, d->name, MK_MEM, &g);
		if (g.n > 0 && g.avg_sum / g.n >= 85.0) {
			fmt_num(a, sizeof(a), g.avg_sum / g.n, 1);
			advice(r, S_A_MEM, d->name, a, NULL, NULL);
		}
	}
	for (size_t i = 0; i < r->n_s; i++) {
		const struct series *s = &r->s[i];
		double now = isnan(s->last) ? s->max : s->last, days;

		if (s->spec->kind == MK_IF && s->max >= 80.0) {
			fmt_num(a, sizeof(a), s->max, 1);
			advice(r, S_A_IF, s->device, series_name(s), a, NULL);
		}
		if (s->spec->kind != MK_STORAGE)
			continue;
		days = days_to_full(s);
		if (now >= 90.0) {
			fmt_num(a, sizeof(a), now, 1);
			advice(r, S_A_STORAGE_FULL, s->device, series_name(s), a, NULL);
		}
		if (!isinf(days) && days < 30.0) {
			fmt_num(a, sizeof(a), days, days < 10 ? 1 : 0);
			advice(r, S_A_STORAGE_DAYS, s->device, series_name(s), a, NULL);
		}
	}
	st = query(r, "SELECT a.device, a.purchase_date, a.warranty_end FROM assets a"
	    " ORDER BY a.warranty_end, a.device");
	if (st == NULL)
		return;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		time_t bought = parse_date(col_text(st, 1)), ends = parse_date(col_text(st, 2));

		if (ends >= 0 && ends < r->until)
			advice(r, S_A_WARRANTY_EXPIRED, col_text(st, 0), col_text(st, 2), NULL, NULL);
		else if (ends >= 0 && (long long)(ends - r->until) <= WARRANTY_SOON_S)
			advice(r, S_A_WARRANTY_ENDING, col_text(st, 0), col_text(st, 2), NULL, NULL);
		if (bought >= 0 && (double)(r->until - bought) / (365.25 * 86400) >= OLD_YEARS) {
			fmt_num(a, sizeof(a), (double)(r->until - bought) / (365.25 * 86400), 1);
			advice(r, S_A_OLD, col_text(st, 0), a, NULL, NULL);
		}
	}
	query_done(r, st, rc);
}

static void
hardware(struct report *r)
{
	doc_head(r, S_TITLE_HARDWARE);
	sec_summary(r);
	sec_faults(r);
	sec_performance(r);
	sec_capacity(r);
	sec_ageing(r);
	sec_advice_begin(r);
	advice_hardware(r);
	sec_advice_end(r);
	doc_tail(r);
}

int
report_write(sqlite3 *db, const struct nocd_conf *conf, const char *kind, time_t since,
    time_t until, const char *lang, FILE *out, char *err, size_t errlen)
{
	struct report r;
	int rc = -1, own_tx;

	if (kind == NULL || (strcmp(kind, "inspection") != 0 && strcmp(kind, "hardware") != 0)) {
		set_err(err, errlen, "report kind is inspection or hardware");
		return -1;
	}
	if (lang == NULL || (strcmp(lang, "en") != 0 && strcmp(lang, "zh_CN") != 0)) {
		set_err(err, errlen, "report language is en or zh_CN");
		return -1;
	}
	if (until <= since) {
		set_err(err, errlen, "the period must end after it starts");
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.db = db;
	r.conf = conf;
	r.since = since;
	r.until = until;
	r.now = time(NULL);
	r.zh = strcmp(lang, "zh_CN") == 0;
	r.out = out;
	/* one snapshot: every section sees the same database (unless the caller
	 * holds a transaction already, which is then the snapshot) */
	own_tx = sqlite3_get_autocommit(db);
	if (own_tx && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		set_err(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (load_devices(&r) < 0 || load_series(&r, kind) < 0) {
		set_err(err, errlen, "%s", r.err);
		goto out;
	}
	if (strcmp(kind, "inspection") == 0)
		inspection(&r);
	else
		hardware(&r);
	if (r.failed) {
		set_err(err, errlen, "%s", r.err);
		goto out;
	}
	if (fflush(out) != 0 || ferror(out)) {
		set_err(err, errlen, "cannot write the report: %m");
		goto out;
	}
	rc = 0;
out:
	if (own_tx)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	free(r.s);
	free(r.dev);
	return rc;
}
