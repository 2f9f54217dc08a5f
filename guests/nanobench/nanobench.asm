; nanobench: the nanobenchmarks of Adams & Agesen (ASPLOS 2006), Figure 4,
; in 32-bit form, as a Multiboot kernel.
;
; Each benchmark times ITER executions of one operation with RDTSC and
; subtracts the time of a loop with the same structure without the
; operation (the paper's way of removing loop overhead); every loop runs
; once as a warm-up before it is timed. One line per benchmark goes to COM1
; (polled 16550 at 0x3F8):
;
;   nanobench NAME cycles=C iterations=ITER
;
; with C the cycles per operation (integer division, negative clamped to
; 0), then the kernel writes 0 to the debug-exit port 0xF4.
;
;   syscall   int 0x80 from ring 3 to a DPL-3 interrupt gate whose handler irets
;   in        in al, 0x80 at ring 0
;   tprwr     a store to the local APIC task-priority register (0xFEE00080,
;             mapped uncached); the 32-bit form of the paper's cr8wr
;   call/ret  a call to a function that only returns
;   pgfault   a store to a not-present page; the #PF handler sets the
;             present bit and the store restarts; each iteration clears the
;             bit again and does INVLPG (in the baseline loop too)
;   divzero   div by zero; the #DE handler steps EIP over the 2-byte div
;   ptemod    a store to a live PTE of the running address space (toggles
;             an available-to-software bit of a mapped page's PTE)
;
; The a.out kludge in the Multiboot header (flag 16) makes `nasm -f bin`
; enough: the loader takes the load addresses from the header, not from an
; ELF file. Runs under popek and QEMU:
;
;   npx popek run --kernel guests/nanobench/nanobench.bin
;   qemu-system-i386 -M isapc -cpu pentium3 -kernel guests/nanobench/nanobench.bin \
;     -serial stdio -display none -device isa-debug-exit,iobase=0xf4,iosize=4
;
; Build: nasm -f bin -o nanobench.bin nanobench.asm   (scripts/build-guests.sh)

bits 32
org 0x100000

ITER        equ 10000

MB_MAGIC    equ 0x1badb002
MB_FLAGS    equ 0x00010000          ; bit 16: the a.out kludge addresses are valid
COM1        equ 0x3f8
DEBUGEXIT   equ 0xf4
APIC_BASE   equ 0xfee00000
APIC_TPR    equ APIC_BASE + 0x80
APIC_SVR    equ APIC_BASE + 0xf0
PF_PAGE     equ 0x300000            ; made not present before every pgfault iteration
PTE_PAGE    equ 0x301000            ; ptemod toggles bit 9 (available) of this page's PTE

SEL_CODE0   equ 0x08
SEL_DATA0   equ 0x10
SEL_CODE3   equ 0x18 | 3
SEL_DATA3   equ 0x20 | 3
SEL_TSS     equ 0x28

PTE_P       equ 0x001
PTE_RW      equ 0x002
PTE_US      equ 0x004
PTE_PWT     equ 0x008
PTE_PCD     equ 0x010

; --- Multiboot header (Multiboot spec 0.6.96, section 3.1) -------------------
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header                ; header_addr
        dd mb_header                ; load_addr: the file from its first byte
        dd load_end                 ; load_end_addr
        dd bss_end                  ; bss_end_addr
        dd start                    ; entry_addr

; --- Start-up: our own GDT, IDT, TSS and page tables ---------------------------
start:
        cli
        mov esp, kstack_top
        lgdt [gdt_ptr]
        jmp SEL_CODE0:.reload
.reload:
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, kstack_top

        ; No interrupt may arrive: mask every 8259 input (IF stays 0 anyway).
        mov al, 0xff
        out 0x21, al
        out 0xa1, al
        call uart_init

        ; TSS descriptor (its base is known only at link time): 32-bit available TSS, limit 103.
        mov eax, tss
        mov [gdt + SEL_TSS + 2], ax
        shr eax, 16
        mov [gdt + SEL_TSS + 4], al
        mov [gdt + SEL_TSS + 7], ah
        mov dword [tss + 4], esp0_top               ; ESP0
        mov dword [tss + 8], SEL_DATA0              ; SS0
        mov word [tss + 102], 104                   ; I/O map base past the limit: no bitmap
        mov ax, SEL_TSS
        ltr ax

        ; IDT: vectors 0-31 to numbered stubs, the rest to a catch-all,
        ; then the ones the benchmarks use.
        xor ecx, ecx
.idt:   mov eax, unexpected_other
        cmp ecx, 32
        jae .set
        imul eax, ecx, STUB_SIZE
        add eax, stubs
.set:   mov edx, 0x8e00                             ; present, DPL 0, 32-bit interrupt gate
        call set_gate
        inc ecx
        cmp ecx, 256
        jb .idt
        mov ecx, 0
        mov eax, de_handler
        mov edx, 0x8e00
        call set_gate
        mov ecx, 14
        mov eax, pf_handler
        call set_gate
        mov ecx, 0x80
        mov eax, syscall_handler
        mov edx, 0xee00                             ; DPL 3: reachable by INT from ring 3
        call set_gate
        mov ecx, 0x81
        mov eax, back_to_ring0
        call set_gate
        lidt [idt_ptr]

        ; Identity paging with 4 KiB pages for 0-4 MiB (user accessible, so the
        ; ring-3 task can use its code and data), and the APIC page uncached.
        mov edi, page_table
        mov eax, PTE_P | PTE_RW | PTE_US
        mov ecx, 1024
.pt:    stosd
        add eax, 0x1000
        dec ecx
        jnz .pt
        mov dword [page_dir], page_table + (PTE_P | PTE_RW | PTE_US)
        mov dword [page_dir + (APIC_BASE >> 22) * 4], apic_table + (PTE_P | PTE_RW)
        mov dword [apic_table + ((APIC_BASE >> 12) & 0x3ff) * 4], APIC_BASE | PTE_P | PTE_RW | PTE_PCD | PTE_PWT
        mov eax, page_dir
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000                          ; CR0.PG
        mov cr0, eax

        ; The local APIC, if the processor has one (CPUID.1:EDX.APIC[bit 9]):
        ; software-enable it through the spurious-interrupt vector register.
        mov eax, 1
        cpuid
        test edx, 1 << 9
        jz .noapic
        mov eax, [APIC_SVR]
        or eax, 0x100
        mov [APIC_SVR], eax
        mov eax, [APIC_SVR]
        test eax, 0x100
        jz .noapic
        mov byte [have_apic], 1
.noapic:

; --- The benchmarks -------------------------------------------------------------
        ; syscall: the whole measurement runs in the ring-3 task.
        call run_user
        mov esi, name_syscall
        mov eax, [user_result]
        call report

        mov esi, base_in
        mov edi, meas_in
        call measure
        mov esi, name_in
        call report

        cmp byte [have_apic], 0
        je .skip_tpr
        mov esi, base_tprwr
        mov edi, meas_tprwr
        call measure
        mov esi, name_tprwr
        call report
        jmp .callret
.skip_tpr:
        mov esi, msg_no_apic
        call puts

.callret:
        mov esi, base_callret
        mov edi, meas_callret
        call measure
        mov esi, name_callret
        call report

        mov esi, base_pgfault
        mov edi, meas_pgfault
        call measure
        mov esi, name_pgfault
        call report

        xor ebx, ebx                                ; the divisor
        mov esi, base_divzero
        mov edi, meas_divzero
        call measure
        mov esi, name_divzero
        call report

        mov ebx, [page_table + (PTE_PAGE >> 12) * 4] ; the PTE's live value, toggled in EBX
        mov esi, base_ptemod
        mov edi, meas_ptemod
        call measure
        mov esi, name_ptemod
        call report

        xor eax, eax
        jmp exit

; --- Timing -----------------------------------------------------------------------
; TIMED prep, op: time ITER iterations of `prep` then `op`; EDX:EAX = cycles.
; The loop itself uses EAX, ECX and EDX only; a benchmark's prep/op must keep ECX.
%macro TIMED 2
        rdtsc
        mov [t0], eax
        mov [t0 + 4], edx
        mov ecx, ITER
%%loop:
        %1
        %2
        dec ecx
        jnz %%loop
        rdtsc
        sub eax, [t0]
        sbb edx, [t0 + 4]
        ret
%endmacro

; BENCH name, prep, op: base_NAME times the loop with prep only, meas_NAME with prep and op.
%macro BENCH 3
base_%1:
        TIMED %2, NOTHING
meas_%1:
        TIMED %2, %3
%endmacro

%macro NOTHING 0
%endmacro
%macro OP_SYSCALL 0
        int 0x80
%endmacro
%macro OP_IN 0
        in al, 0x80
%endmacro
%macro OP_TPRWR 0
        mov dword [APIC_TPR], 0
%endmacro
%macro OP_CALLRET 0
        call null_function
%endmacro
%macro PREP_PGFAULT 0
        and dword [page_table + (PF_PAGE >> 12) * 4], ~PTE_P
        invlpg [PF_PAGE]
%endmacro
%macro OP_PGFAULT 0
        mov dword [PF_PAGE], ecx
%endmacro
%macro OP_DIVZERO 0
        div ebx                                     ; F7 F3: the #DE handler skips 2 bytes
%endmacro
%macro PREP_PTEMOD 0
        xor ebx, 0x200                              ; bit 9: available to software
%endmacro
%macro OP_PTEMOD 0
        mov [page_table + (PTE_PAGE >> 12) * 4], ebx
%endmacro

        BENCH syscall, NOTHING, OP_SYSCALL
        BENCH in, NOTHING, OP_IN
        BENCH tprwr, NOTHING, OP_TPRWR
        BENCH callret, NOTHING, OP_CALLRET
        BENCH pgfault, PREP_PGFAULT, OP_PGFAULT
        BENCH divzero, NOTHING, OP_DIVZERO
        BENCH ptemod, PREP_PTEMOD, OP_PTEMOD

null_function:
        ret

; measure: ESI = baseline loop, EDI = measured loop; EAX = cycles per
; operation, (measured - baseline) / ITER, 0 when negative. Both loops run
; once to warm up, then once timed. Works at ring 0 and ring 3.
measure:
        call esi
        call edi
        call esi
        mov [base], eax
        mov [base + 4], edx
        call edi
        sub eax, [base]
        sbb edx, [base + 4]
        jl .negative
        mov ecx, ITER
        cmp edx, ecx
        jae .huge                                   ; the quotient would not fit
        div ecx
        ret
.negative:
        xor eax, eax
        ret
.huge:
        mov eax, 0xffffffff
        ret

; --- The ring-3 task ------------------------------------------------------------
; run_user: IRET to ring 3 at user_main; its INT 0x81 comes back here.
run_user:
        mov [kernel_esp], esp
        push dword SEL_DATA3                        ; SS
        push dword ustack_top                       ; ESP
        push dword 0x2                              ; EFLAGS: IF = 0, IOPL 0
        push dword SEL_CODE3                        ; CS
        push dword user_main                        ; EIP
        iret

user_main:
        ; IRET to ring 3 nulled DS/ES (their DPL 0 < CPL 3): load the ring-3 data segment.
        mov ax, SEL_DATA3
        mov ds, ax
        mov es, ax
        mov esi, base_syscall
        mov edi, meas_syscall
        call measure
        mov [user_result], eax
        int 0x81

back_to_ring0:
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov esp, [kernel_esp]
        ret

; --- Handlers ---------------------------------------------------------------------
syscall_handler:
        iret

de_handler:
        add dword [esp], 2                          ; past `div ebx`
        iret

pf_handler:
        push eax
        mov eax, cr2
        cmp eax, PF_PAGE
        jne .wrong
        or dword [page_table + (PF_PAGE >> 12) * 4], PTE_P
        pop eax
        add esp, 4                                  ; the error code
        iret
.wrong:
        mov eax, 14
        jmp unexpected

STUB_SIZE equ 10
stubs:
%assign v 0
%rep 32
        mov eax, v                                  ; 5 bytes
        jmp strict near unexpected                  ; 5 bytes
%assign v v + 1
%endrep

unexpected_other:
        mov eax, 0xff
; unexpected: EAX = vector; say which and exit with status 1.
unexpected:
        mov dx, SEL_DATA0
        mov ds, dx
        mov es, dx
        push eax
        mov esi, msg_unexpected
        call puts
        pop eax
        call put_dec
        mov al, 10
        call putc
        mov eax, 1
exit:
        out DEBUGEXIT, al
        cli
.stop:  hlt
        jmp .stop

; --- Output on COM1 ---------------------------------------------------------------
uart_init:
        mov dx, COM1 + 3
        mov al, 0x80                                ; DLAB
        out dx, al
        mov dx, COM1
        mov al, 1                                   ; divisor 1: 115200 baud
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x03                                ; 8N1, DLAB off
        out dx, al
        mov dx, COM1 + 1
        xor al, al                                  ; no UART interrupts
        out dx, al
        ret

; putc: AL to COM1 once the transmit holding register is empty (LSR bit 5).
putc:
        push edx
        push eax
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret

; puts: the NUL-terminated string at ESI.
puts:
        push eax
.next:  lodsb
        test al, al
        jz .done
        call putc
        jmp .next
.done:  pop eax
        ret

; put_dec: EAX in decimal.
put_dec:
        push ebx
        push ecx
        push edx
        mov ebx, 10
        xor ecx, ecx
.div:   xor edx, edx
        div ebx
        push edx
        inc ecx
        test eax, eax
        jnz .div
.out:   pop eax
        add al, '0'
        call putc
        dec ecx
        jnz .out
        pop edx
        pop ecx
        pop ebx
        ret

; report: "nanobench NAME cycles=EAX iterations=ITER" with NAME at ESI.
report:
        push eax
        push esi
        mov esi, msg_prefix
        call puts
        pop esi
        call puts
        mov esi, msg_cycles
        call puts
        pop eax
        call put_dec
        mov esi, msg_iterations
        call puts
        mov eax, ITER
        call put_dec
        mov al, 10
        call putc
        ret

; set_gate: IDT[ECX] = gate to SEL_CODE0:EAX with access word DX (P, DPL, type).
set_gate:
        mov [idt + ecx * 8], ax
        mov word [idt + ecx * 8 + 2], SEL_CODE0
        mov [idt + ecx * 8 + 4], dx
        shr eax, 16
        mov [idt + ecx * 8 + 6], ax
        ret

; --- Data --------------------------------------------------------------------------
align 8
gdt:
        dq 0
        dq 0x00cf9a000000ffff                       ; 0x08: ring-0 code, flat 4 GiB
        dq 0x00cf92000000ffff                       ; 0x10: ring-0 data
        dq 0x00cffa000000ffff                       ; 0x18: ring-3 code
        dq 0x00cff2000000ffff                       ; 0x20: ring-3 data
        dq 0x0000890000000067                       ; 0x28: TSS (base filled in at start-up)
gdt_end:
gdt_ptr:
        dw gdt_end - gdt - 1
        dd gdt
idt_ptr:
        dw 256 * 8 - 1
        dd idt

name_syscall:   db "syscall", 0
name_in:        db "in", 0
name_tprwr:     db "tprwr", 0
name_callret:   db "call/ret", 0
name_pgfault:   db "pgfault", 0
name_divzero:   db "divzero", 0
name_ptemod:    db "ptemod", 0
msg_prefix:     db "nanobench ", 0
msg_cycles:     db " cycles=", 0
msg_iterations: db " iterations=", 0
msg_no_apic:    db "nanobench tprwr skipped (no local APIC)", 10, 0
msg_unexpected: db "nanobench: unexpected exception or interrupt, vector ", 0

align 4
load_end:

; --- Uninitialised (zeroed by the loader: bss_end_addr) -----------------------------
absolute load_end
alignb 8
t0:             resd 2
base:           resd 2
kernel_esp:     resd 1
user_result:    resd 1
have_apic:      resd 1
alignb 8
idt:            resb 256 * 8
tss:            resb 104
alignb 4096
page_dir:       resb 4096
page_table:     resb 4096
apic_table:     resb 4096
kstack:         resb 4096
kstack_top:
esp0_stack:     resb 4096
esp0_top:
ustack:         resb 4096
ustack_top:
bss_end:
